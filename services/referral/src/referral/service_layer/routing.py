"""Routing a complaint: open its case and send each need to the first agency of its rule."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from uuid import uuid4

from referral.domain.referrals import Case, Referral
from referral.domain.routing import RoutingRule, agency_among, agency_for, secretariat_rule
from referral.domain.sla import Calendar
from referral.domain.stages import StagedDispatch, refused_in_stage
from referral.service_layer.context import SOURCE, Context
from referral.service_layer.stages import staged_dispatch
from referral.service_layer.unit_of_work import UnitOfWork
from slrt_shared.contracts.envelope import new_event
from slrt_shared.contracts.events import ComplaintCreated, ReferralDispatched

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RouteComplaint:
    """A complaint intake recorded, to be referred need by need."""

    complaint: ComplaintCreated


async def route_complaint(command: RouteComplaint, uow: UnitOfWork, *, context: Context) -> None:
    """Open the case and refer each need to the first agency of its rule."""
    data = command.complaint
    case = Case(data.complaint_id, data.ticket, data.village_code, "open", data.received_at)
    if not await uow.open_case(case):
        # The same complaint announced again under another event id: already routed.
        return
    calendar = await context.calendar_in(uow)
    for need in dict.fromkeys(data.needs):
        # The case was opened just now: none of its needs has been referred before.
        await dispatch(uow, case, need, None, context, calendar, earlier=[])
    log.info("complaint %s routed: %s", data.complaint_id, ",".join(dict.fromkeys(data.needs)))


async def dispatch(
    uow: UnitOfWork,
    case: Case,
    service_code: str,
    rejected: Referral | None,
    context: Context,
    calendar: Calendar,
    *,
    earlier: list[Referral] | None = None,
    stage_index: int | None = None,
) -> Referral:
    """Send a need to its next agency: the first attempt, or the one after a rejection.

    `earlier`: the need's referrals so far, when the caller knows them (read otherwise).
    `stage_index`: of a staged need, the stage to send (the next one, or one completed at the
    village); without it a staged need's first stage, or the rejected referral's own stage.
    """
    rule = await uow.rule(service_code, case.kecamatan_code) or secretariat_rule(service_code)
    if earlier is None:
        earlier = [
            r for r in await uow.referrals_of(case.complaint_id) if r.service_code == service_code
        ]
    step = await staged_dispatch(uow, case, rule, service_code, rejected, stage_index)
    if step is None:
        refused_by = [r.agency_code for r in earlier if r.status == "rejected"]
        agency = agency_for(rule, refused_by)
        attempt = rejected.attempt + 1 if rejected else 1
    else:
        refused = refused_in_stage(earlier, step.index)
        agency = agency_among(step.stage.agencies, refused)
        # Attempts go on counting across the stages of a need.
        attempt = max((r.attempt for r in earlier), default=0) + 1
    bounces = rejected.bounces + 1 if rejected else 0
    return await send(uow, case, rule, agency, attempt, bounces, context, calendar, step=step)


async def send(
    uow: UnitOfWork,
    case: Case,
    rule: RoutingRule,
    agency_code: str,
    attempt: int,
    bounces: int,
    context: Context,
    calendar: Calendar,
    *,
    step: StagedDispatch | None = None,
) -> Referral:
    """Store a referral of the rule's service (of its stage, if any) to this agency; announce it."""
    service_code = rule.service_code
    sla = step.stage.sla_working_days if step else rule.sla_working_days
    now = context.clock()
    deadline = calendar.deadline(now, sla)
    due = deadline.due_at
    referral = Referral(
        id=uuid4(),
        complaint_id=case.complaint_id,
        service_code=service_code,
        agency_code=agency_code,
        attempt=attempt,
        status="dispatched",
        rule_version=rule.version,
        rule_scope=rule.scope,
        sla_working_days=sla,
        dispatched_at=now,
        due_at=due,
        bounces=bounces,
        next_breach_at=due,
        calendar_complete=deadline.calendar_complete,
        stage=step.stage.code if step else None,
        stage_index=step.index if step else None,
        stages_total=step.total if step else None,
    )
    await uow.add_referral(referral)
    dispatched = ReferralDispatched(
        referral_id=referral.id,
        complaint_id=case.complaint_id,
        ticket=case.ticket,
        village_code=case.village_code,
        service_code=service_code,
        agency_code=referral.agency_code,
        attempt=referral.attempt,
        dispatched_at=now,
        due_at=due,
        calendar_complete=deadline.calendar_complete,
        stage=referral.stage,
        stage_index=referral.stage_index,
        stages_total=referral.stages_total,
    )
    uow.announce(new_event(dispatched, source=SOURCE, subject=case.complaint_id, time=now))
    return referral
