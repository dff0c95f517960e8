"""What the use cases need of a unit of work; Postgres implements it, tests fake it."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol
from uuid import UUID

from referral.domain.referrals import Case, Outcome, Referral, Transition
from referral.domain.routing import RoutingRule
from referral.service_layer.calendar import CalendarStore
from slrt_shared.contracts.envelope import CloudEvent


class UnitOfWork(Protocol):
    """One transaction of the referral service, with the events it will announce."""

    def emit(self, topic: str, event: CloudEvent) -> None:
        """Queue an event to be written with the transaction."""

    @property
    def calendar(self) -> CalendarStore:
        """The stored holiday calendar, in this transaction."""

    async def rule(self, service_code: str, kecamatan_code: str = "") -> RoutingRule | None:
        """The rule of a service: the kecamatan's override if any, else the district's."""

    async def open_case(self, case: Case) -> bool:
        """Open a case; False if it exists already."""

    async def case(self, complaint_id: UUID, *, for_update: bool = False) -> Case | None:
        """A case, locked for the transaction when it may be closed."""

    async def close_case(self, complaint_id: UUID, closed_at: datetime) -> None:
        """Mark a case closed."""

    async def add_referral(self, referral: Referral) -> None:
        """Save a new referral."""

    async def referral(self, referral_id: UUID, *, for_update: bool = False) -> Referral | None:
        """A referral, locked for the transaction when it is to be changed."""

    async def referrals_of(self, complaint_id: UUID) -> list[Referral]:
        """Every referral of a case, by need and attempt."""

    async def set_status(self, referral_id: UUID, status: str, reason_code: str | None) -> None:
        """Change a referral's status (with the reason code of a rejection)."""

    async def resolve(self, referral_id: UUID, outcome: Outcome, at: datetime) -> None:
        """Record a referral's outcome."""

    async def log_transition(
        self, referral_id: UUID, event_id: UUID, decision: Transition, at: datetime
    ) -> None:
        """Record a status change asked of a referral, accepted or refused."""

    async def overdue(self, now: datetime, limit: int) -> list[Referral]:
        """Open referrals past their next breach, locked; rows another replica holds skipped."""

    async def mark_escalated(
        self, referral_id: UUID, level: str, at: datetime, next_breach_at: datetime | None
    ) -> None:
        """Record an escalation and when the referral breaches next (None: top reached)."""
