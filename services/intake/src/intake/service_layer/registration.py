"""Register complaints, one at a time or a device's offline batch; repeats answer the same way."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any, Literal
from uuid import UUID, uuid4

from intake.domain import resident_code, tickets
from intake.domain.access import Caller, may_register_for
from intake.domain.complaints import Catalogue, NewComplaint, Problem, Registered, check
from intake.domain.idempotency import KeySource, key_of
from intake.service_layer.unit_of_work import (
    Draft,
    KeyGate,
    SavedKey,
    UnitOfWork,
    UnitOfWorkFactory,
)
from slrt_shared.contracts.envelope import new_event
from slrt_shared.contracts.events import (
    ComplaintCreated,
    ComplaintPii,
    DataProposal,
    ProgrammeCase,
)
from slrt_shared.idempotency import IdempotencyKey, IdempotencyKeyReusedError, same_request

log = logging.getLogger(__name__)

SOURCE = "/slrt/intake"


class ComplaintRejectedError(Exception):
    """The complaint is not acceptable; `problems` says why."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(p.code for p in problems))
        self.problems = problems


class WrongVillageError(Exception):
    """The caller is not the operator of the complaint's village."""


@dataclass(frozen=True)
class Outcome:
    """The complaint a request refers to, and whether this request created it."""

    complaint_id: UUID
    created: bool
    registered: Registered | None = None
    row: dict[str, Any] | None = None  # the complaint's row, with its resident's data
    resident_code: str | None = None  # only to the request that created it, never again


def issue_code(code_key: bytes, complaint_id: UUID) -> tuple[str | None, str | None]:
    """A new resident's code and the keyed hash kept of it; neither without a key."""
    if not code_key:
        return None, None
    code = resident_code.new_code()
    return code, resident_code.digest(code_key, complaint_id, code)


async def register_complaint(
    uow: UnitOfWork,
    complaint: NewComplaint,
    *,
    operator: str,
    idempotency_key: str,
    now: datetime,
    source: KeySource = "header",
    fingerprint: str | None = None,
    code_key: bytes = b"",
    programme: ProgrammeCase | None = None,
    pii_details: Mapping[str, str] | None = None,
    data_proposal: DataProposal | None = None,
) -> Outcome:
    """Register a complaint once per key of its village, announcing it on complaint.created/.pii.

    The key is the complaint's village's, in the namespace of its `source`, whoever sends it:
    a resend under a reissued token finds the complaint the revoked token registered.
    `fingerprint` identifies the request when the complaint's own fields cannot (a channel
    that stamps recorded_at on arrival). The resident's code is drawn for a new complaint and
    answered once; a repeat finds the complaint without it. A programme's case carries its
    `programme` on complaint.created and its further personal data (`pii_details`) on
    complaint.pii only; a DTSEN data proposal its codes (`data_proposal`) on complaint.created.
    """
    fingerprint = fingerprint or complaint.fingerprint()
    key = key_of(source, complaint.village_code, idempotency_key)
    problems = check(complaint, await uow.catalogue(), now)
    if problems:
        # A repeat is answered as the first request was, even if the catalogue changed since.
        earlier = await _earlier(uow, key, fingerprint)
        if earlier is not None:
            return earlier
        raise ComplaintRejectedError(problems)
    complaint_id = uuid4()
    received = uuid4()  # the id of the complaint.created event, and of its timeline entry
    code, code_hash = issue_code(code_key, complaint_id)
    gate: KeyGate | None = KeyGate(key, fingerprint, {"complaint_id": str(complaint_id)})
    while True:
        draft = Registered(
            complaint_id, tickets.new_ticket(), now, complaint, resident_code_hash=code_hash
        )
        saved = await uow.save_complaint(draft, operator, received, gate)
        if saved.row is not None:
            break
        if saved.key_taken:
            earlier = await _earlier(uow, key, fingerprint)
            if earlier is not None:
                return earlier
            # The key was forgotten between the two statements (retention): save it again.
            continue
        # Only the ticket was taken, by another complaint: the key is saved, draw again.
        gate = None
    row = saved.row
    registered = replace(draft, possible_duplicate_of=tuple(row["possible_duplicate_of"]))
    _announce(uow, registered, received, programme, pii_details, data_proposal)
    return Outcome(complaint_id, created=True, registered=registered, row=row, resident_code=code)


async def _earlier(uow: UnitOfWork, key: IdempotencyKey, fingerprint: str) -> Outcome | None:
    """The complaint a key registered before (None: a new key); refuses another request's key."""
    found = await uow.saved_under(key)
    if found is None:
        return None
    same_request(key, found.request_hash, fingerprint)
    return Outcome(found.complaint_id, created=False, row=found.row)


def _announce(
    uow: UnitOfWork,
    registered: Registered,
    event_id: UUID,
    programme: ProgrammeCase | None = None,
    pii_details: Mapping[str, str] | None = None,
    data_proposal: DataProposal | None = None,
) -> None:
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
        programme=programme,
        data_proposal=data_proposal,
    )
    pii = ComplaintPii(
        complaint_id=registered.complaint_id,
        nik=c.resident.nik,
        name=c.resident.name,
        phone=c.resident.phone,
        address=c.resident.address,
        description=c.description,
        need_details=dict(c.need_details),
        details=dict(pii_details or {}),
    )
    subject = registered.complaint_id
    at = registered.received_at
    uow.announce(new_event(created, source=SOURCE, subject=subject, time=at, event_id=event_id))
    uow.announce(new_event(pii, source=SOURCE, subject=subject, time=at))


@dataclass(frozen=True)
class RegisterComplaint:
    """A caller registers a complaint under a key of its village, in the namespace `source`.

    `fingerprint` identifies the request when the complaint's own fields cannot.
    """

    caller: Caller
    complaint: NewComplaint
    key: str
    now: datetime
    source: KeySource = "header"
    fingerprint: str | None = None
    code_key: bytes = b""


@dataclass(frozen=True)
class Registration:
    """The complaint's row, and whether this request created it (False: a repeat); the
    resident's code only when it did."""

    created: bool
    row: dict[str, Any]
    resident_code: str | None = None


async def register(command: RegisterComplaint, uow: UnitOfWork) -> Registration:
    """Register a complaint for the operator of its village, or find the one its key made."""
    complaint = command.complaint
    if not may_register_for(command.caller, complaint.village_code):
        raise WrongVillageError(complaint.village_code)
    async with uow:
        outcome = await register_complaint(
            uow,
            complaint,
            operator=command.caller.token_hash,
            idempotency_key=command.key,
            now=command.now,
            source=command.source,
            fingerprint=command.fingerprint,
            code_key=command.code_key,
        )
        await uow.commit()
    row = outcome.row
    assert row is not None
    if outcome.created:
        # Identifiers only: the log never carries the resident's data.
        log.info(
            "complaint %s registered as %s in village %s, needs %s",
            outcome.complaint_id,
            row["ticket"],
            complaint.village_code,
            ",".join(complaint.needs),
        )
    return Registration(outcome.created, row, outcome.resident_code)


@dataclass(frozen=True)
class OfflineComplaint:
    """One item of a device's batch: its client id and the complaint, or why it is unreadable."""

    client_id: str | None
    complaint: NewComplaint | None
    problems: tuple[Problem, ...] = ()


@dataclass(frozen=True)
class SyncBatch:
    """A caller sends the complaints a device recorded offline."""

    caller: Caller
    items: tuple[OfflineComplaint, ...]
    code_key: bytes = b""


@dataclass(frozen=True)
class ItemResult:
    """What became of one offline complaint: registered (or found again), or rejected."""

    client_id: str | None
    result: Literal["created", "existing", "rejected"]
    row: dict[str, Any] | None = None
    problems: tuple[Problem, ...] = ()
    resident_code: str | None = None  # only in the item that created the complaint


async def sync_batch(command: SyncBatch, uow: UnitOfWorkFactory) -> list[ItemResult]:
    """Register a device's batch in one transaction, each item under its client id; a result
    per item, as if the items were registered one after the other.

    Safe to resend: an item sent before is answered `existing`. A rejected item does not stop
    the others. The round trips do not grow with the items: one statement saves every item
    (keys, complaints, residents, timeline entries), one reads the keys saved before.
    """
    while True:
        unit = uow()
        planned = await _plan(command, await unit.catalogue())
        if not any(isinstance(p, _Planned) for p in planned):
            # nothing to look up or save: no transaction
            return [p for p in planned if isinstance(p, ItemResult)]
        async with unit:
            done = await _save_batch(unit, command.caller, planned, command.code_key)
            if done is None:
                continue  # a ticket was taken, or a key forgotten meanwhile: all over again
            await unit.commit()
        results, registered = done
        for r in registered:
            # Identifiers only: the log never carries the resident's data.
            log.info(
                "complaint %s registered as %s in village %s, needs %s",
                r.complaint_id,
                r.ticket,
                r.complaint.village_code,
                ",".join(r.complaint.needs),
            )
        return results


@dataclass(frozen=True)
class _Planned:
    """An item of a batch that its key decides: its complaint, key, hash and problems."""

    complaint: NewComplaint
    client_id: str
    key: IdempotencyKey
    fingerprint: str
    problems: tuple[Problem, ...]
    now: datetime


async def _plan(command: SyncBatch, catalogue: Catalogue) -> list[_Planned | ItemResult]:
    """Each item either refused for what it is alone, or planned under its key."""
    planned: list[_Planned | ItemResult] = []
    for item in command.items:
        if item.complaint is None or item.client_id is None:
            planned.append(ItemResult(item.client_id, "rejected", problems=item.problems))
            continue
        village = item.complaint.village_code
        if not may_register_for(command.caller, village):
            problem = Problem("wrong_village", "")
            planned.append(ItemResult(item.client_id, "rejected", problems=(problem,)))
            continue
        now = datetime.now(UTC)
        planned.append(
            _Planned(
                item.complaint,
                item.client_id,
                key_of("batch", village, item.client_id),
                item.complaint.fingerprint(),
                tuple(check(item.complaint, catalogue, now)),
                now,
            )
        )
    return planned


async def _save_batch(
    uow: UnitOfWork, caller: Caller, planned: list[_Planned | ItemResult], code_key: bytes
) -> tuple[list[ItemResult], list[Registered]] | None:
    """Save the batch's new complaints; each item's answer and what was registered (None: try
    the batch again)."""
    # The first acceptable item of a key is the one that may create its complaint; the items
    # of the key before it meet what was saved before the batch, those after it its outcome.
    first: dict[IdempotencyKey, int] = {}
    for n, p in enumerate(planned):
        if isinstance(p, _Planned) and not p.problems and p.key not in first:
            first[p.key] = n
    drafts: dict[IdempotencyKey, Draft] = {}
    codes: dict[IdempotencyKey, str | None] = {}
    for key, n in first.items():
        p = planned[n]
        assert isinstance(p, _Planned)
        complaint_id = uuid4()
        codes[key], code_hash = issue_code(code_key, complaint_id)
        drafts[key] = Draft(
            Registered(
                complaint_id,
                tickets.new_ticket(),
                p.now,
                p.complaint,
                resident_code_hash=code_hash,
            ),
            uuid4(),  # the id of the complaint.created event, and of its timeline entry
            KeyGate(key, p.fingerprint, {"complaint_id": str(complaint_id)}),
        )
    saved = dict(
        zip(
            drafts,
            await uow.save_complaints(list(drafts.values()), caller.token_hash) if drafts else [],
            strict=True,
        )
    )
    if any(not s.key_taken and s.row is None for s in saved.values()):
        return None
    created = {key: s.row for key, s in saved.items() if s.row is not None}
    others = list(dict.fromkeys(p.key for p in planned if isinstance(p, _Planned)))
    earlier = [key for key in others if key not in created]
    before = await uow.saved_under_each(earlier) if earlier else {}
    if any(s.key_taken and key not in before for key, s in saved.items()):
        return None
    results: list[ItemResult] = []
    registered: list[Registered] = []
    for n, p in enumerate(planned):
        if isinstance(p, ItemResult):
            results.append(p)
            continue
        row = created.get(p.key)
        if row is not None and n == first[p.key]:
            draft = drafts[p.key]
            registered.append(
                replace(draft.registered, possible_duplicate_of=tuple(row["possible_duplicate_of"]))
            )
            _announce(uow, registered[-1], draft.received)
            results.append(ItemResult(p.client_id, "created", row, resident_code=codes[p.key]))
            continue
        held: SavedKey | None = before.get(p.key)
        if row is not None:  # the key is the batch's: new before its first item, then its own
            saver = drafts[p.key]
            held = SavedKey(saver.gate.request_hash, row["id"], row) if n > first[p.key] else None
        if held is None:
            # a new key: only an item with problems comes here (an acceptable one creates)
            results.append(ItemResult(p.client_id, "rejected", problems=p.problems))
            continue
        try:
            same_request(p.key, held.request_hash, p.fingerprint)
        except IdempotencyKeyReusedError:
            problem = Problem("idempotency_key_reused", "")
            results.append(ItemResult(p.client_id, "rejected", problems=(problem,)))
            continue
        assert held.row is not None, "a complaint is never deleted"
        results.append(ItemResult(p.client_id, "existing", held.row))
    return results, registered
