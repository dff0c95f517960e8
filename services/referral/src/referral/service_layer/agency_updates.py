"""Agency updates: a status change of a referral, or its outcome, as the agency reported it."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from referral.domain.errors import Refusal
from referral.domain.referrals import Asked, Case, Referral, Transition, decide
from referral.domain.stages import REJECTED_OUTCOME, after_rejection, check_current, next_stage
from referral.service_layer.closing import close_if_complete
from referral.service_layer.context import Context
from referral.service_layer.routing import dispatch
from referral.service_layer.unit_of_work import UnitOfWork
from slrt_shared.contracts.envelope import InvalidEventError
from slrt_shared.contracts.events import CaseResolved, ReferralUpdated


@dataclass(frozen=True)
class ApplyStatusChange:
    """An agency's status change of a referral, with the id of the event that carried it."""

    update: ReferralUpdated
    event_id: UUID


@dataclass(frozen=True)
class RecordOutcome:
    """An agency's outcome of a referral, with the id of the event that carried it."""

    outcome: CaseResolved
    event_id: UUID


async def apply_status_change(
    command: ApplyStatusChange, uow: UnitOfWork, *, context: Context
) -> None:
    """Apply an agency's status change; a rejection goes on to the next agency."""
    data = command.update
    referral = await _known_referral(uow, data.referral_id)
    decision = await _decide(uow, referral, data.status, data.agency_code, data.complaint_id)
    asked = Asked(command.event_id, decision, context.clock())
    if not decision.accepted:
        await uow.log_transition(referral.id, asked.event_id, decision, asked.at)
        return
    # The change and its log entry in one statement.
    await uow.set_status(referral.id, data.status, data.reason_code, asked)
    if data.status == "rejected":
        step = after_rejection(referral, data.reason_code)
        if step == "decided":
            # The decision stage rejected the proposal: the need ends, rejected.
            await uow.conclude(referral.id, REJECTED_OUTCOME, data.at)
            await close_if_complete(uow, referral.complaint_id, context)
            return
        if step == "sent_back":
            # It waits at the village until the Puskesos completes it (complaint.completed).
            return
        case = await _case_of(uow, referral)
        calendar = await context.calendar_in(uow)
        await dispatch(uow, case, referral.service_code, referral, context, calendar)


async def record_outcome(command: RecordOutcome, uow: UnitOfWork, *, context: Context) -> None:
    """Record a referral's outcome; close the case when every current referral has one."""
    data = command.outcome
    referral = await _known_referral(uow, data.referral_id)
    decision = await _decide(uow, referral, "resolved", data.agency_code, data.complaint_id)
    asked = Asked(command.event_id, decision, context.clock())
    if not decision.accepted:
        await uow.log_transition(referral.id, asked.event_id, decision, asked.at)
        return
    await uow.resolve(referral.id, data.outcome, data.resolved_at, asked)
    following = next_stage(referral, data.outcome)
    if following is not None:
        # A stage passed: the next one is a referral of its own; the case stays open.
        case = await _case_of(uow, referral)
        calendar = await context.calendar_in(uow)
        await dispatch(
            uow, case, referral.service_code, None, context, calendar, stage_index=following
        )
        return
    await close_if_complete(uow, referral.complaint_id, context)


async def _decide(
    uow: UnitOfWork, referral: Referral, requested: str, agency_code: str, complaint_id: UUID
) -> Transition:
    """Decide an agency's change; of a staged need, only its current stage may change."""
    decision = decide(referral, requested, agency_code, complaint_id)
    if not decision.accepted or referral.stage_index is None:
        return decision
    try:
        check_current(referral, await uow.referrals_of(referral.complaint_id))
    except Refusal as refusal:
        return Transition(referral.status, requested, False, refusal.code)
    return decision


async def _known_referral(uow: UnitOfWork, referral_id: UUID) -> Referral:
    """The referral an agency's event is about, locked for this transaction.

    An unknown referral is dead-lettered rather than ignored: the referral row is committed
    before its referral.dispatched leaves the outbox, so no agency can answer a referral this
    service has not stored yet. Such an event is misaddressed, or this database lost data;
    the dead-letter topic keeps it whole, counted and replayable, where a log row would not.
    """
    referral = await uow.referral(referral_id, for_update=True)
    if referral is None:
        raise InvalidEventError(f"unknown referral {referral_id}")
    return referral


async def _case_of(uow: UnitOfWork, referral: Referral) -> Case:
    case = await uow.case(referral.complaint_id)
    if case is None:
        raise RuntimeError(f"referral {referral.id} has no case")
    return case
