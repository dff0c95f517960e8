"""Closing a case: once every current referral of it has an outcome, announce the closure."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from referral.domain.referrals import Case, NeedOutcome, closing
from referral.service_layer.context import SOURCE, Context
from referral.service_layer.unit_of_work import UnitOfWork
from slrt_shared.contracts.envelope import new_event
from slrt_shared.contracts.events import ComplaintClosed, ReferralOutcome


async def close_if_complete(
    uow: UnitOfWork, complaint_id: UUID, context: Context | None = None
) -> None:
    """Close the case and announce it when every current referral has its outcome.

    `context` counts until when the case may be reopened (without one, `reopen_until` is null).
    """
    # The case row is locked so that outcomes of two needs committed side by side cannot each
    # miss the other and leave the case open.
    case = await uow.case(complaint_id, for_update=True)
    if case is None:
        raise RuntimeError(f"no case {complaint_id}")
    closed = closing(case, await uow.referrals_of(complaint_id))
    if closed is None:
        return
    await announce_closing(uow, case, closed.closed_at, closed.outcomes, context)


async def announce_closing(
    uow: UnitOfWork,
    case: Case,
    closed_at: datetime,
    outcomes: tuple[NeedOutcome, ...],
    context: Context | None,
) -> None:
    """Mark the case closed and announce complaint.closed with its reopening window."""
    await uow.close_case(case.complaint_id, closed_at)
    reopen_until = None
    if context is not None:
        calendar = await context.calendar_in(uow)
        reopen_until = calendar.due_at(closed_at, context.reopen_working_days)
    data = ComplaintClosed(
        complaint_id=case.complaint_id,
        ticket=case.ticket,
        village_code=case.village_code,
        closed_at=closed_at,
        outcomes=[
            ReferralOutcome(
                referral_id=o.referral_id,
                service_code=o.service_code,
                agency_code=o.agency_code,
                outcome=o.outcome,
            )
            for o in outcomes
        ],
        reopen_until=reopen_until,
    )
    uow.announce(new_event(data, source=SOURCE, subject=case.complaint_id))
