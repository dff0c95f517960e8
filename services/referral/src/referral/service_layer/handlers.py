"""Open a case per complaint, route each need, follow the agencies' answers, close the case."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID, uuid4
from zoneinfo import ZoneInfo

from referral.adapters.repository import ReferralUnitOfWork
from referral.domain import escalation, routing, sla
from referral.domain.referrals import case_complete, transition
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

SOURCE = "/slrt/referral"


def _utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Calendar:
    """The district's working-day calendar."""

    holidays: frozenset[date]
    tz: ZoneInfo


async def _accepted(
    uow: ReferralUnitOfWork, referral_id: UUID, requested: str, event: CloudEvent
) -> dict[str, Any] | None:
    """The referral if the state machine accepts the change; else log the refusal, None."""
    current = await uow.referral(referral_id, for_update=True)
    if current is None:
        raise InvalidEventError(f"unknown referral {referral_id}")
    decision = transition(current["status"], requested)
    if not decision.accepted:
        await uow.refuse(referral_id, event.id, current["status"], requested, decision.reason)
        return None
    return current


class Handlers:
    """Use cases bound to the district calendar and a clock."""

    def __init__(self, calendar: Calendar, clock: Callable[[], datetime] = _utcnow) -> None:
        self.calendar = calendar
        self.clock = clock

    async def on_complaint_created(
        self, uow: ReferralUnitOfWork, data: ComplaintCreated, event: CloudEvent
    ) -> None:
        """Open the case and refer each need to the first agency of its rule."""
        if not await uow.open_case(
            data.complaint_id, data.ticket, data.village_code, data.received_at
        ):
            return
        for need in data.needs:
            await self._dispatch(uow, data.complaint_id, data.ticket, data.village_code, need, 1)

    async def on_referral_updated(
        self, uow: ReferralUnitOfWork, data: ReferralUpdated, event: CloudEvent
    ) -> None:
        """Apply an agency's status change; a rejection goes on to the next agency."""
        current = await _accepted(uow, data.referral_id, data.status, event)
        if current is None:
            return
        await uow.set_status(data.referral_id, data.status, data.note)
        if data.status == "rejected":
            case = await uow.case(current["complaint_id"])
            assert case is not None
            await self._dispatch(
                uow,
                current["complaint_id"],
                case["ticket"],
                case["village_code"],
                current["service_code"],
                current["attempt"] + 1,
            )

    async def on_case_resolved(
        self, uow: ReferralUnitOfWork, data: CaseResolved, event: CloudEvent
    ) -> None:
        """Record the outcome; close the case when every need has one."""
        current = await _accepted(uow, data.referral_id, "resolved", event)
        if current is None:
            return
        await uow.resolve(data.referral_id, data.outcome, data.note, data.resolved_at)
        await self._close_if_complete(uow, current["complaint_id"], data.resolved_at)

    async def _close_if_complete(
        self, uow: ReferralUnitOfWork, complaint_id: UUID, at: datetime
    ) -> None:
        case = await uow.case(complaint_id)
        if case is None or case["status"] == "closed":
            return
        if not case_complete(await uow.states(complaint_id)):
            return
        await uow.close_case(complaint_id, at)
        latest: dict[str, dict[str, Any]] = {}
        for r in await uow.referrals_of(complaint_id):
            latest[r["service_code"]] = r
        closed = ComplaintClosed(
            complaint_id=complaint_id,
            ticket=case["ticket"],
            village_code=case["village_code"],
            closed_at=at,
            outcomes=[
                ReferralOutcome(
                    referral_id=r["id"],
                    service_code=r["service_code"],
                    agency_code=r["agency_code"],
                    outcome=r["outcome"],
                )
                for r in latest.values()
            ],
        )
        uow.emit(topics.COMPLAINT_CLOSED, new_event(closed, source=SOURCE, subject=complaint_id))

    async def escalate_overdue(self, uow: ReferralUnitOfWork, limit: int = 200) -> int:
        """Escalate every referral past its next breach; safe with several replicas running."""
        now = self.clock()
        escalated = 0
        for row in await uow.overdue(now, limit):
            following = sla.due_at(
                row["next_breach_at"],
                row["sla_working_days"],
                self.calendar.holidays,
                self.calendar.tz,
            )
            decision = escalation.escalate(
                row["escalation_level"], row["status"], row["next_breach_at"], now, following
            )
            if decision is None:
                continue
            await uow.mark_escalated(row["id"], decision.level, now, decision.next_breach_at)
            data = ReferralEscalated(
                referral_id=row["id"],
                complaint_id=row["complaint_id"],
                level=decision.level,
                at=now,
            )  # type: ignore[arg-type]
            uow.emit(
                topics.REFERRAL_ESCALATED,
                new_event(data, source=SOURCE, subject=row["complaint_id"], time=now),
            )
            escalated += 1
        return escalated

    async def _dispatch(
        self,
        uow: ReferralUnitOfWork,
        complaint_id: UUID,
        ticket: str,
        village_code: str,
        service_code: str,
        attempt: int,
    ) -> None:
        kecamatan = village_code.rsplit(".", 1)[0]
        rule = await uow.rule(service_code, kecamatan)
        if rule is None:
            # A need the catalogue does not know still reaches a person: the secretariat.
            rule = routing.RoutingRule(service_code, (routing.SECRETARIAT,), 7, 0)
        now = self.clock()
        due = sla.due_at(now, rule.sla_working_days, self.calendar.holidays, self.calendar.tz)
        referral = {
            "id": uuid4(),
            "complaint_id": complaint_id,
            "service_code": service_code,
            "agency_code": routing.agency_for(rule, attempt),
            "attempt": attempt,
            "rule_version": rule.version,
            "rule_scope": rule.scope,
            "bounces": attempt - 1,
            "sla_working_days": rule.sla_working_days,
            "dispatched_at": now,
            "due_at": due,
        }
        await uow.add_referral(referral)
        dispatched = ReferralDispatched(
            referral_id=referral["id"],
            complaint_id=complaint_id,
            ticket=ticket,
            village_code=village_code,
            service_code=service_code,
            agency_code=referral["agency_code"],
            attempt=attempt,
            dispatched_at=now,
            due_at=due,
        )
        uow.emit(
            topics.REFERRAL_DISPATCHED,
            new_event(dispatched, source=SOURCE, subject=complaint_id, time=now),
        )
