"""Escalation: referrals past their SLA go up a level and get their next breach time."""

from __future__ import annotations

from dataclasses import dataclass

from referral.domain import escalation
from referral.service_layer.context import SOURCE, Context
from referral.service_layer.unit_of_work import UnitOfWork
from slrt_shared.contracts.envelope import new_event
from slrt_shared.contracts.events import ReferralEscalated


@dataclass(frozen=True)
class EscalateOverdue:
    """Escalate at most `limit` overdue referrals in one transaction."""

    limit: int = 200


async def escalate_overdue(command: EscalateOverdue, uow: UnitOfWork, *, context: Context) -> int:
    """Escalate every referral past its next breach; safe with several replicas running."""
    now = context.clock()
    escalated = 0
    overdue = await uow.overdue(now, command.limit)
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
        uow.announce(new_event(data, source=SOURCE, subject=referral.complaint_id, time=now))
        escalated += 1
    return escalated
