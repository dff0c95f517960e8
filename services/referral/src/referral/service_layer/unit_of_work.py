"""The referral service's one port: what the use cases need of a transaction on its storage.

Postgres implements it (`adapters/repository.py`, `adapters/calendar.py`); unit tests fake it.
The entrypoint that runs a use case opens the transaction and commits it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any, Protocol
from uuid import UUID

from referral.domain.casework import QueueQuery
from referral.domain.casework_log import CaseAction
from referral.domain.holidays import (
    AuditAction,
    AuditedEntity,
    AuditEntry,
    CompleteYear,
    Holiday,
    StoredHoliday,
)
from referral.domain.referrals import Asked, Case, Referral, Transition
from referral.domain.routing import RegisteredAgency, RoutingRule
from referral.domain.staff import Staff
from referral.domain.stages import Stage
from slrt_shared.contracts.envelope import CloudEvent
from slrt_shared.contracts.referral_states import Outcome


class CalendarStore(Protocol):
    """The stored holiday calendar, in the unit of work's transaction."""

    async def version(self) -> int:
        """A number that changes with every committed change to the calendar."""

    async def holidays(self, year: int | None = None) -> list[StoredHoliday]:
        """Every entry (of one year), by date."""

    async def holiday(self, day: date, *, for_update: bool = False) -> StoredHoliday | None:
        """The entry of a date."""

    async def insert(self, entry: Holiday, by: str) -> bool:
        """Store a new entry; False if its date has one already."""

    async def update(self, entry: Holiday, by: str) -> None:
        """Replace the entry of a date."""

    async def delete(self, day: date) -> None:
        """Remove the entry of a date."""

    async def years(self) -> list[CompleteYear]:
        """Every complete year, in order."""

    async def year(self, year: int, *, for_update: bool = False) -> CompleteYear | None:
        """A year's completion, if it is complete."""

    async def complete(self, year: int, decree: str, by: str) -> None:
        """Mark a year complete (or record another decree for it)."""

    async def reopen(self, year: int) -> None:
        """Mark a year not complete."""

    async def audit(
        self,
        entity: AuditedEntity,
        subject: str,
        action: AuditAction,
        before: dict[str, Any] | None,
        after: dict[str, Any] | None,
        by: str,
        via: str,
    ) -> None:
        """Record a change and move the calendar's version on."""

    async def audit_log(self, limit: int, before_id: int | None = None) -> list[AuditEntry]:
        """The changes, newest first."""

    async def touched(self, entity: AuditedEntity) -> set[str]:
        """Subjects (dates or years) with any recorded change."""


class StaffRegistry(Protocol):
    """The personal accounts, on a unit of work or on the admin's command-line connection."""

    async def add_staff_account(
        self, token_hash: str, kind: str, area_code: str, name: str
    ) -> dict[str, Any]:
        """Store a new account; its row (never the token or its hash)."""

    async def revoke_staff_account(self, account_id: UUID) -> dict[str, Any] | None:
        """Revoke an active account at once; its row, or None when there is no active one."""

    async def staff_accounts(self, area_code: str | None) -> list[dict[str, Any]]:
        """Every account (of one area and the kecamatans in it, if given), oldest first."""


class UnitOfWork(StaffRegistry, Protocol):
    """One transaction of the referral service, with the events it will announce."""

    def announce(self, event: CloudEvent) -> str:
        """Queue an event for the topic of its type; return the topic's physical name."""

    @property
    def calendar(self) -> CalendarStore:
        """The stored holiday calendar, in this transaction."""

    async def staff(self, token_hash: str) -> Staff | None:
        """District staff, the admin, or the person of an active personal account."""

    async def rule(self, service_code: str, kecamatan_code: str = "") -> RoutingRule | None:
        """The rule of a service: the kecamatan's override if any, else the district's."""

    async def rules(self) -> list[dict[str, Any]]:
        """Every current rule, overrides after the district rule of each service."""

    async def rule_history(self, service_code: str) -> list[dict[str, Any]]:
        """Every version of a service's rules, newest first."""

    async def save_rule(
        self,
        service_code: str,
        scope: str,
        agencies: list[str],
        sla_working_days: int,
        by: str,
        stages: Sequence[Stage] = (),
    ) -> int:
        """Save a new version of a rule (with its stages, if any); return its version."""

    async def remove_override(self, service_code: str, scope: str, by: str) -> int | None:
        """Remove a kecamatan's override, keeping its history; the removal's version, or None
        if there was no override."""

    async def agency_codes(self) -> frozenset[str]:
        """Codes of the agencies a rule may name (agency-gateway's registry, as announced)."""

    async def save_agency(self, agency: RegisteredAgency) -> None:
        """Add an agency a rule may name, or update it (by code)."""

    async def open_case(self, case: Case) -> bool:
        """Open a case; False if it exists already."""

    async def case(self, complaint_id: UUID, *, for_update: bool = False) -> Case | None:
        """A case, locked for the transaction when it may be closed."""

    async def close_case(self, complaint_id: UUID, closed_at: datetime) -> None:
        """Mark a case closed."""

    async def reopen_case(self, complaint_id: UUID, reopening: int) -> None:
        """Mark a closed case open again for its `reopening`-th reopening."""

    async def need_stages(self, complaint_id: UUID, service_code: str) -> tuple[Stage, ...]:
        """The stages a need of a case passes (none: a single-step need)."""

    async def keep_need_stages(
        self, complaint_id: UUID, service_code: str, stages: Sequence[Stage], rule_version: int
    ) -> None:
        """Keep the stages a need will pass, as its rule has them now (once per need)."""

    async def conclude(self, referral_id: UUID, outcome: Outcome, at: datetime) -> None:
        """Give a rejected referral the outcome its need ends with (a decision's rejection)."""

    async def add_referral(self, referral: Referral) -> None:
        """Save a new referral."""

    async def referral(self, referral_id: UUID, *, for_update: bool = False) -> Referral | None:
        """A referral, locked for the transaction when it is to be changed."""

    async def referrals_of(self, complaint_id: UUID) -> list[Referral]:
        """Every referral of a case, by need and attempt."""

    async def set_status(
        self, referral_id: UUID, status: str, reason_code: str | None, asked: Asked | None = None
    ) -> None:
        """Change a referral's status (with the reason code of a rejection), logging `asked`."""

    async def resolve(
        self, referral_id: UUID, outcome: Outcome, at: datetime, asked: Asked | None = None
    ) -> None:
        """Record a referral's outcome, logging `asked` (the change that brought it)."""

    async def log_transition(
        self, referral_id: UUID, event_id: UUID, decision: Transition, at: datetime
    ) -> None:
        """Record a status change asked of a referral, accepted or refused."""

    async def transitions(self, referral_id: UUID) -> list[dict[str, Any]]:
        """Every status change asked of a referral, oldest first."""

    async def overdue(self, now: datetime, limit: int) -> list[Referral]:
        """Open referrals past their next breach, locked; rows another replica holds skipped."""

    async def mark_escalated(
        self, referral_id: UUID, level: str, at: datetime, next_breach_at: datetime | None
    ) -> None:
        """Record an escalation and when the referral breaches next (None: top reached)."""

    async def extend_due(self, referral_id: UUID, due_at: datetime) -> None:
        """Move a referral's due date (and its next breach) later."""

    async def withdraw(self, referral_id: UUID, moved_to_service: str | None = None) -> None:
        """End a referral as withdrawn by the secretariat (its need triaged on to another
        service, if named)."""

    async def record_action(self, action: CaseAction) -> None:
        """Keep what a person did on a referral in the case's history."""

    async def actions(self, referral_id: UUID) -> list[dict[str, Any]]:
        """What people did on a referral, oldest first."""

    async def case_actions(self, complaint_id: UUID) -> list[dict[str, Any]]:
        """What people did on any referral of a case, oldest first."""

    async def agencies(self) -> list[dict[str, Any]]:
        """The agencies a referral may go to, with their names, by code."""

    async def queue(self, query: QueueQuery, limit: int) -> list[dict[str, Any]]:
        """Open referrals the query selects, with their case's ticket and village, due first."""
