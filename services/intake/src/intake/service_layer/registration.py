"""Register a complaint: validate, save with its events, and answer repeats the same way."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol
from uuid import UUID, uuid4

from intake.domain import tickets
from intake.domain.complaints import Catalogue, NewComplaint, Problem, Registered, check
from intake.domain.idempotency import IdempotencyKey, KeySource
from intake.domain.tracking import TimelineEntry
from slrt_shared.contracts import topics
from slrt_shared.contracts.envelope import CloudEvent, new_event
from slrt_shared.contracts.events import ComplaintCreated, ComplaintPii

SOURCE = "/slrt/intake"


class ComplaintRejectedError(Exception):
    """The complaint is not acceptable; `problems` says why."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(p.code for p in problems))
        self.problems = problems


class IdempotencyConflictError(Exception):
    """The idempotency key was used before with a different request."""


class RegistrationUnitOfWork(Protocol):
    """What registration needs of a unit of work."""

    async def catalogue(self) -> Catalogue: ...
    async def lock_key(self, key: IdempotencyKey) -> None: ...
    async def idempotent(self, key: IdempotencyKey) -> tuple[str, UUID] | None: ...
    async def ticket_taken(self, ticket: str) -> bool: ...
    async def open_complaints_of(self, nik: str, needs: tuple[str, ...]) -> list[UUID]: ...
    async def add(
        self, registered: Registered, recorded_by: str, key: IdempotencyKey, fingerprint: str
    ) -> None: ...
    async def append(self, complaint_id: UUID, event_id: UUID, entry: TimelineEntry) -> None: ...
    def emit(self, topic: str, event: CloudEvent) -> None: ...


@dataclass(frozen=True)
class Outcome:
    """The complaint a request refers to, and whether this request created it."""

    complaint_id: UUID
    created: bool
    registered: Registered | None = None


async def register_complaint(
    uow: RegistrationUnitOfWork,
    complaint: NewComplaint,
    *,
    operator: str,
    idempotency_key: str,
    now: datetime,
    source: KeySource = "header",
    fingerprint: str | None = None,
) -> Outcome:
    """Register a complaint once per key of its village, announcing it on complaint.created/.pii.

    The key is the complaint's village's, in the namespace of its `source`, whoever sends it:
    a resend under a reissued token finds the complaint the revoked token registered.
    `fingerprint` identifies the request when the complaint's own fields cannot (a channel
    that stamps recorded_at on arrival).
    """
    fingerprint = fingerprint or complaint.fingerprint()
    key = IdempotencyKey(source, complaint.village_code, idempotency_key)
    await uow.lock_key(key)
    earlier = await uow.idempotent(key)
    if earlier is not None:
        if earlier[0] != fingerprint:
            raise IdempotencyConflictError(idempotency_key)
        return Outcome(earlier[1], created=False)
    problems = check(complaint, await uow.catalogue(), now)
    if problems:
        raise ComplaintRejectedError(problems)
    ticket = tickets.new_ticket()
    while await uow.ticket_taken(ticket):
        ticket = tickets.new_ticket()
    duplicates = await uow.open_complaints_of(complaint.resident.nik, complaint.needs)
    registered = Registered(uuid4(), ticket, now, complaint, tuple(duplicates))
    await uow.add(registered, operator, key, fingerprint)
    created_id = _announce(uow, registered)
    await uow.append(registered.complaint_id, created_id, TimelineEntry(now, "received"))
    return Outcome(registered.complaint_id, created=True, registered=registered)


def _announce(uow: RegistrationUnitOfWork, registered: Registered) -> UUID:
    c = registered.complaint
    created = ComplaintCreated(
        complaint_id=registered.complaint_id,
        ticket=registered.ticket,
        village_code=c.village_code,
        needs=list(c.needs),
        channel=c.channel,
        received_at=registered.received_at,
        recorded_at=c.recorded_at,
        possible_duplicate_of=list(registered.possible_duplicate_of),
    )
    pii = ComplaintPii(
        complaint_id=registered.complaint_id,
        nik=c.resident.nik,
        name=c.resident.name,
        phone=c.resident.phone,
        address=c.resident.address,
        description=c.description,
    )
    subject = registered.complaint_id
    created_event = new_event(created, source=SOURCE, subject=subject, time=registered.received_at)
    uow.emit(topics.COMPLAINT_CREATED, created_event)
    uow.emit(
        topics.COMPLAINT_PII,
        new_event(pii, source=SOURCE, subject=subject, time=registered.received_at),
    )
    return created_event.id
