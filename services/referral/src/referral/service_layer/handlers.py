"""Open a case per complaint, route each need, follow the agencies' answers, close the case."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Protocol
from uuid import UUID, uuid4

from referral.domain import escalation, routing
from referral.domain.referrals import Case, Referral, closing, decide
from referral.domain.sla import Calendar
from referral.service_layer.calendar import CalendarStore
from referral.service_layer.unit_of_work import UnitOfWork
from slrt_shared.contracts import topics
from slrt_shared.contracts.envelope import CloudEvent, InvalidEventError, new_event
from slrt_shared.contracts.events import (
    CaseResolved,
    ComplaintClosed,
    ComplaintCreated,
    ReferralDispatched,
    ReferralEscalated,
    ReferralOutcome,
    ReferralUpdated,
)

log = logging.getLogger(__name__)

SOURCE = "/slrt/referral"


def utcnow() -> datetime:
    """The current time in UTC."""
    return datetime.now(UTC)


class CalendarSource(Protocol):
    """Where the district's calendar comes from: the stored one, cached."""

    async def current(self, store: CalendarStore) -> Calendar:
        """The calendar as committed now."""


@dataclass(frozen=True)
class Context:
    """What the use cases depend on besides the unit of work: the district calendar, a clock.

    The calendar is the stored one (a source read in each transaction) or, in tests, a fixed
    value.
    """

    calendar: Calendar | CalendarSource = field(default_factory=Calendar)
    clock: Callable[[], datetime] = utcnow

    async def calendar_in(self, uow: UnitOfWork) -> Calendar:
        """The calendar to count deadlines with in this transaction."""
        if isinstance(self.calendar, Calendar):
            return self.calendar
        return await self.calendar.current(uow.calendar)


async def on_complaint_created(
    uow: UnitOfWork, data: ComplaintCreated, event: CloudEvent, *, context: Context
) -> None:
    """Open the case and refer each need to the first agency of its rule."""
    case = Case(data.complaint_id, data.ticket, data.village_code, "open", data.received_at)
    if not await uow.open_case(case):
        # The same complaint announced again under another event id: already routed.
        return
    calendar = await context.calendar_in(uow)
    for need in dict.fromkeys(data.needs):
        await _dispatch(uow, case, need, None, context, calendar)
    log.info("complaint %s routed: %s", data.complaint_id, ",".join(dict.fromkeys(data.needs)))


async def on_referral_updated(
    uow: UnitOfWork, data: ReferralUpdated, event: CloudEvent, *, context: Context
) -> None:
    """Apply an agency's status change; a rejection goes on to the next agency."""
    referral = await _known_referral(uow, data.referral_id)
    decision = decide(referral, data.status, data.agency_code, data.complaint_id)
    await uow.log_transition(referral.id, event.id, decision, context.clock())
    if not decision.accepted:
        return
    await uow.set_status(referral.id, data.status, data.reason_code)
    if data.status == "rejected":
        case = await _case_of(uow, referral)
        calendar = await context.calendar_in(uow)
        await _dispatch(uow, case, referral.service_code, referral, context, calendar)


async def on_case_resolved(
    uow: UnitOfWork, data: CaseResolved, event: CloudEvent, *, context: Context
) -> None:
    """Record a referral's outcome; close the case when every current referral has one."""
    referral = await _known_referral(uow, data.referral_id)
    decision = decide(referral, "resolved", data.agency_code, data.complaint_id)
    await uow.log_transition(referral.id, event.id, decision, context.clock())
    if not decision.accepted:
        return
    await uow.resolve(referral.id, data.outcome, data.resolved_at)
    await _close_if_complete(uow, referral.complaint_id)


async def escalate_overdue(uow: UnitOfWork, *, context: Context, limit: int = 200) -> int:
    """Escalate every referral past its next breach; safe with several replicas running."""
    now = context.clock()
    escalated = 0
    overdue = await uow.overdue(now, limit)
    if not overdue:
        return 0
    calendar = await context.calendar_in(uow)
    for referral in overdue:
        if referral.next_breach_at is None:
            continue
        following = calendar.due_at(referral.next_breach_at, referral.sla_working_days)
        decision = escalation.escalate(
            referral.escalation_level, referral.status, referral.next_breach_at, now, following
        )
        if decision is None:
            continue
        await uow.mark_escalated(referral.id, decision.level, now, decision.next_breach_at)
        data = ReferralEscalated(
            referral_id=referral.id,
            complaint_id=referral.complaint_id,
            level=decision.level,
            at=now,
        )
        uow.emit(
            topics.REFERRAL_ESCALATED,
            new_event(data, source=SOURCE, subject=referral.complaint_id, time=now),
        )
        escalated += 1
    return escalated


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


async def _dispatch(
    uow: UnitOfWork,
    case: Case,
    service_code: str,
    rejected: Referral | None,
    context: Context,
    calendar: Calendar,
) -> Referral:
    """Send a need to its next agency: the first attempt, or the one after a rejection."""
    rule = await uow.rule(service_code, case.kecamatan_code) or routing.secretariat_rule(
        service_code
    )
    earlier = [
        r for r in await uow.referrals_of(case.complaint_id) if r.service_code == service_code
    ]
    refused_by = [r.agency_code for r in earlier if r.status == "rejected"]
    now = context.clock()
    deadline = calendar.deadline(now, rule.sla_working_days)
    due = deadline.due_at
    referral = Referral(
        id=uuid4(),
        complaint_id=case.complaint_id,
        service_code=service_code,
        agency_code=routing.agency_for(rule, refused_by),
        attempt=rejected.attempt + 1 if rejected else 1,
        status="dispatched",
        rule_version=rule.version,
        rule_scope=rule.scope,
        sla_working_days=rule.sla_working_days,
        dispatched_at=now,
        due_at=due,
        bounces=rejected.bounces + 1 if rejected else 0,
        next_breach_at=due,
        calendar_complete=deadline.calendar_complete,
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
    )
    uow.emit(
        topics.REFERRAL_DISPATCHED,
        new_event(dispatched, source=SOURCE, subject=case.complaint_id, time=now),
    )
    return referral


async def _close_if_complete(uow: UnitOfWork, complaint_id: UUID) -> None:
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
    uow.emit(topics.COMPLAINT_CLOSED, new_event(data, source=SOURCE, subject=complaint_id))
