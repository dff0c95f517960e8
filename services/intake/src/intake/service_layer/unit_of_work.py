"""The one port of intake's use cases: what they need from storage, in one transaction.

`adapters.repository.IntakeUnitOfWork` implements it over Postgres; unit tests pass fakes of
the part a use case touches. Entering opens the transaction, `commit` saves it together with
the events queued by `announce`, leaving without a commit rolls it back.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from types import TracebackType
from typing import Any, Protocol, Self
from uuid import UUID

import asyncpg

from intake.domain.access import Caller
from intake.domain.complaints import Catalogue, Registered
from intake.domain.listing import ComplaintFilter, Scope
from intake.domain.programmes import Decision, Facilitator, Proposal, Target
from intake.domain.tracking import TimelineEntry
from slrt_shared.contracts.envelope import CloudEvent
from slrt_shared.contracts.topics import TopicLayout
from slrt_shared.idempotency import IdempotencyKey


@dataclass(frozen=True)
class KeyGate:
    """The idempotency key a registration saves first, with its request's hash and answer."""

    key: IdempotencyKey
    request_hash: str
    response: Mapping[str, Any]


@dataclass(frozen=True)
class Draft:
    """A complaint to save under its key, with the id of its timeline entry's event."""

    registered: Registered
    received: UUID
    gate: KeyGate


@dataclass(frozen=True)
class Saved:
    """What saving a complaint did: nothing as the key was taken, nothing as the ticket was
    (`row` None), or the complaint's row with its resident's data."""

    key_taken: bool
    row: dict[str, Any] | None


@dataclass(frozen=True)
class SavedKey:
    """What a key was saved with: its request's hash, the complaint it registered and that
    complaint's row with its resident's data (None if it is gone)."""

    request_hash: str
    complaint_id: UUID
    row: dict[str, Any] | None


@dataclass(frozen=True)
class Reopening:
    """A reopening to save with its timeline entry (`event_id`: its complaint.reopened's id);
    `operator` the hash of the operator's token when the operator reopened it."""

    complaint_id: UUID
    reopening: int
    scope: str
    reason_code: str
    note: str | None
    given_by: str
    operator: str | None
    event_id: UUID
    at: datetime


@dataclass(frozen=True)
class Verdict:
    """A verdict on a closed complaint, saved as its next revision."""

    complaint_id: UUID
    solved: str
    rating: int
    comment: str | None
    given_by: str
    operator: str | None
    at: datetime


@dataclass(frozen=True)
class Decided:
    """A graduation proposal an event decided (once: only an open one is)."""

    complaint_id: UUID
    village_code: str
    facilitator_code: str
    kind: str
    decision: Decision
    reason_code: str | None
    proposed_at: datetime
    decided_at: datetime


class UnitOfWork(Protocol):
    """A transaction on intake's data with the queries and changes the use cases make."""

    layout: TopicLayout

    async def __aenter__(self) -> Self: ...
    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...
    async def commit(self) -> None: ...
    def announce(self, event: CloudEvent) -> str: ...

    # operators and the rate limit; `caller` and `count_request` run outside any transaction
    # (no `async with`): a caller is kept in memory a few seconds, a count saved at once
    async def caller(self, token_hash: str) -> Caller | None: ...
    async def count_request(self, token_hash: str, window_start: datetime) -> int: ...
    async def forget_windows_before(self, moment: datetime) -> None: ...
    async def requester(self, token_hash: str) -> str: ...

    # registration (the catalogue is kept in memory a few seconds)
    async def catalogue(self) -> Catalogue: ...
    async def save_complaint(
        self, registered: Registered, recorded_by: str, received: UUID, gate: KeyGate | None
    ) -> Saved: ...
    async def saved_under(self, key: IdempotencyKey) -> SavedKey | None: ...
    async def save_complaints(self, drafts: Sequence[Draft], recorded_by: str) -> list[Saved]: ...
    async def saved_under_each(
        self, keys: Sequence[IdempotencyKey]
    ) -> dict[IdempotencyKey, SavedKey]: ...

    # complaints and their timelines
    async def complaint(self, complaint_id: UUID) -> dict[str, Any] | None: ...
    async def log_pii_read(self, reader: str, complaint_id: UUID, fields: list[str]) -> None: ...
    async def open_complaints_of_nik(self, nik: str, needs: list[str]) -> list[dict[str, Any]]: ...
    async def public_complaint(self, ticket: str) -> asyncpg.Record | None: ...
    async def resident_code_of(self, ticket: str) -> tuple[UUID, str | None] | None: ...
    async def timeline(self, complaint_id: UUID) -> list[TimelineEntry]: ...
    async def lock_complaint(self, complaint_id: UUID) -> None:
        """Hold the complaint's row for this transaction (completions of it wait in turn)."""

    async def correct_need_detail(self, complaint_id: UUID, service_code: str, text: str) -> None:
        """Replace what the operator wrote for one need of the complaint."""

    async def timelines(self, complaint_ids: list[UUID]) -> dict[UUID, list[TimelineEntry]]: ...
    async def append(self, complaint_id: UUID, event_id: UUID, entry: TimelineEntry) -> None: ...
    async def record(
        self,
        complaint_id: UUID,
        event_id: UUID,
        entry: TimelineEntry,
        status: str,
        order: Sequence[str],
        decision: Decision | None = None,
        reason_code: str | None = None,
    ) -> Decided | None:
        """Add the entry, move the status on, decide an open graduation: what it decided."""

    async def record_closing(
        self,
        complaint_id: UUID,
        event_id: UUID,
        entry: TimelineEntry,
        closed_at: datetime,
        reopen_until: datetime | None = None,
        outcomes: Sequence[Mapping[str, str]] = (),
    ) -> None: ...

    # after closing: the complaint of a ticket locked, with its closure and resident's code hash
    async def closure(self, ticket: str) -> dict[str, Any] | None: ...
    async def save_reopening(self, reopening: Reopening) -> None: ...
    async def save_verdict(self, verdict: Verdict) -> int: ...

    # the complaints' list: a page and its audit row in one statement
    async def list_complaints(
        self, scope: Scope, wanted: ComplaintFilter, reader: str
    ) -> list[dict[str, Any]]: ...

    # the Open311 facade
    async def services(self) -> list[asyncpg.Record]: ...
    async def villages_of(self, regency: str) -> list[asyncpg.Record]: ...
    async def open311_requests(
        self,
        regency: str,
        tickets: list[str],
        service_code: str | None,
        start: datetime | None,
        end: datetime | None,
        limit: int,
        public_codes: list[str],
        scope: str | None,
    ) -> list[asyncpg.Record]: ...

    # erasure and access requests
    async def closed_before(self, cutoff: datetime, limit: int) -> list[UUID]: ...
    async def complaints_of_nik(self, nik: str, regency: str | None) -> list[UUID]: ...
    async def erase_personal_data(
        self, complaint_ids: list[UUID], cause: str, at: datetime, pii_topic: str
    ) -> list[UUID]: ...
    async def held_about(self, complaint_ids: list[UUID]) -> list[dict[str, Any]]: ...
    async def record_subject_request(
        self,
        *,
        action: str,
        nik_hash: str,
        requested_by: str,
        via: str,
        reason: str | None,
        complaint_ids: list[UUID],
        at: datetime,
    ) -> None: ...
    async def subject_requests(self, nik_hash: str) -> list[dict[str, Any]]: ...

    # PKH facilitators, targets and graduation proposals
    async def facilitator(self, code: str) -> Facilitator | None: ...
    async def facilitators(self, regency_code: str) -> list[Facilitator]: ...
    async def save_facilitator(self, f: Facilitator) -> datetime | None: ...
    async def save_target(self, t: Target) -> datetime: ...
    async def unannounced_registries(
        self, limit: int
    ) -> tuple[list[tuple[Facilitator, datetime]], list[tuple[Target, datetime]]]: ...
    async def mark_announced(self, codes: list[str], targets: list[tuple[str, int]]) -> None: ...
    async def target(self, regency_code: str, year: int) -> Target | None: ...
    async def targets(self, regency_code: str) -> list[Target]: ...
    async def record_programme_change(
        self, *, action: str, subject: str, changed_by: str, via: str, detail: dict[str, Any]
    ) -> None: ...
    async def programme_changes(self, limit: int) -> list[dict[str, Any]]: ...
    async def household_state(self, household_hash: str) -> str | None: ...
    async def save_graduation(
        self,
        complaint_id: UUID,
        household_hash: str,
        proposal: Proposal,
        regency_code: str,
        at: datetime,
    ) -> bool: ...
    async def confirmed_per_facilitator(
        self, regency_code: str, start: datetime, end: datetime
    ) -> dict[str, int]: ...

    # DTSEN data proposals
    async def save_data_proposal(
        self,
        complaint_id: UUID,
        *,
        kind: str,
        removal_reason: str | None,
        deliberation_date: date,
        village_code: str,
        regency_code: str,
        at: datetime,
        kk_number: str,
    ) -> None: ...
    async def list_data_proposals(
        self,
        *,
        village: str | None,
        regency: str,
        after: tuple[datetime, UUID] | None,
        limit: int,
        reader: str,
    ) -> list[dict[str, Any]]: ...


UnitOfWorkFactory = Callable[[], UnitOfWork]
"""Opens a new unit of work (the one `app.build` binds to the runtime's pool and layout)."""
