"""Which stage a dispatch of a staged need is: the first, the next, or the same one again."""

from __future__ import annotations

from referral.domain.referrals import Case, Referral
from referral.domain.routing import RoutingRule
from referral.domain.stages import StagedDispatch, staged
from referral.service_layer.unit_of_work import UnitOfWork


async def staged_dispatch(
    uow: UnitOfWork,
    case: Case,
    rule: RoutingRule,
    service_code: str,
    rejected: Referral | None,
    stage_index: int | None,
) -> StagedDispatch | None:
    """The stage the need's next referral is; None for a single-step need.

    A need keeps the stages its rule had when it was first routed (a rule changed since does
    not move it); a single-step need costs no statement here.
    """
    if stage_index is None and rejected is not None:
        if rejected.stage_index is None:
            return None
        stage_index = rejected.stage_index
    if stage_index is None:
        if not rule.stages:
            return None
        await uow.keep_need_stages(case.complaint_id, service_code, rule.stages, rule.version)
        return staged(rule.stages, 1)
    return staged(await uow.need_stages(case.complaint_id, service_code), stage_index)
