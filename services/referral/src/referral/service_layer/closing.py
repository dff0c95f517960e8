"""Closing a case: once every current referral of it has an outcome, announce the closure."""

from __future__ import annotations

from uuid import UUID

from referral.domain.referrals import closing
from referral.service_layer.context import SOURCE
from referral.service_layer.unit_of_work import UnitOfWork
from slrt_shared.contracts.envelope import new_event
from slrt_shared.contracts.events import ComplaintClosed, ReferralOutcome


async def close_if_complete(uow: UnitOfWork, complaint_id: UUID) -> None:
    """Close the case and announce it when every current referral has its outcome."""
    # The case row is locked so that outcomes of two needs committed side by side cannot each
    # miss the other and leave the case open.
    case = await uow.case(complaint_id, for_update=True)
    if case is None:
        raise RuntimeError(f"no case {complaint_id}")
    closed = closing(case, await uow.referrals_of(complaint_id))
    if closed is None:
        return
    await uow.close_case(complaint_id, closed.closed_at)
    data = ComplaintClosed(
        complaint_id=complaint_id,
        ticket=case.ticket,
        village_code=case.village_code,
        closed_at=closed.closed_at,
        outcomes=[
            ReferralOutcome(
                referral_id=o.referral_id,
                service_code=o.service_code,
                agency_code=o.agency_code,
                outcome=o.outcome,
            )
            for o in closed.outcomes
        ],
    )
    uow.announce(new_event(data, source=SOURCE, subject=complaint_id))
