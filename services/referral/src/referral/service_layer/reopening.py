"""Reopening a case: the referrals in the reopening's scope go back to the same agency.

Each goes as a new attempt (attempt + 1, a fresh due date on the district calendar, the usual
referral.dispatched, so the gateway and the agency see a new referral); the case is open again
and closes again, with a new reopening window, once every new attempt has its outcome.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import datetime
from uuid import uuid4

from referral.domain.referrals import Case, Referral, closing, reopenable, to_reopen
from referral.domain.sla import Calendar
from referral.service_layer.closing import announce_closing
from referral.service_layer.context import SOURCE, Context
from referral.service_layer.unit_of_work import UnitOfWork
from slrt_shared.contracts.envelope import InvalidEventError, new_event
from slrt_shared.contracts.events import ComplaintReopened, ReferralDispatched

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ReopenCase:
    """A complaint intake reopened (by the resident or the operator)."""

    reopened: ComplaintReopened


async def reopen_case(command: ReopenCase, uow: UnitOfWork, *, context: Context) -> None:
    """Send the referrals in scope back to their agency as new attempts; the case reopens."""
    data = command.reopened
    case = await uow.case(data.complaint_id, for_update=True)
    if case is None:
        # Intake reopens only a complaint whose closing came from here: misaddressed, or this
        # database lost data; the dead-letter topic keeps it whole.
        raise InvalidEventError(f"unknown case {data.complaint_id}")
    if not reopenable(case, data.reopening):
        log.info("reopening %s of %s already handled", data.reopening, data.complaint_id)
        return
    referrals = await uow.referrals_of(case.complaint_id)
    chosen = to_reopen(referrals, data.scope)
    await uow.reopen_case(case.complaint_id, data.reopening)
    now = context.clock()
    if not chosen:
        # Intake refuses a reopening with nothing in its scope; one that comes anyway closes
        # again at once, so that the complaint is not left open with nothing to wait for.
        closed = closing(replace(case, status="open"), referrals)
        if closed is not None:
            await announce_closing(uow, case, now, closed.outcomes, context)
        return
    calendar = await context.calendar_in(uow)
    for previous in chosen:
        await send_again(uow, case, previous, now, calendar)
    log.info(
        "complaint %s reopened (%s): %s sent back",
        data.complaint_id,
        data.reopening,
        ",".join(r.service_code for r in chosen),
    )


async def send_again(
    uow: UnitOfWork, case: Case, previous: Referral, now: datetime, calendar: Calendar
) -> Referral:
    """Send a need again to the agency of its latest referral, under the same rule's SLA."""
    deadline = calendar.deadline(now, previous.sla_working_days)
    referral = Referral(
        id=uuid4(),
        complaint_id=case.complaint_id,
        service_code=previous.service_code,
        agency_code=previous.agency_code,
        attempt=previous.attempt + 1,
        status="dispatched",
        rule_version=previous.rule_version,
        rule_scope=previous.rule_scope,
        sla_working_days=previous.sla_working_days,
        dispatched_at=now,
        due_at=deadline.due_at,
        bounces=previous.bounces,
        next_breach_at=deadline.due_at,
        calendar_complete=deadline.calendar_complete,
        # A staged need goes back to the stage it ended at.
        stage=previous.stage,
        stage_index=previous.stage_index,
        stages_total=previous.stages_total,
    )
    await uow.add_referral(referral)
    dispatched = ReferralDispatched(
        referral_id=referral.id,
        complaint_id=case.complaint_id,
        ticket=case.ticket,
        village_code=case.village_code,
        service_code=referral.service_code,
        agency_code=referral.agency_code,
        attempt=referral.attempt,
        dispatched_at=now,
        due_at=deadline.due_at,
        calendar_complete=deadline.calendar_complete,
        stage=referral.stage,
        stage_index=referral.stage_index,
        stages_total=referral.stages_total,
    )
    uow.announce(new_event(dispatched, source=SOURCE, subject=case.complaint_id, time=now))
    return referral
