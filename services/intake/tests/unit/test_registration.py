from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import pytest

from intake.domain import tickets
from intake.domain.complaints import Catalogue, Registered
from intake.domain.idempotency import key_of
from intake.domain.tracking import TimelineEntry
from intake.service_layer.registration import (
    ComplaintRejectedError,
    register_complaint,
)
from intake.service_layer.unit_of_work import Draft, KeyGate, Saved, SavedKey
from slrt_shared.contracts.envelope import CloudEvent
from slrt_shared.idempotency import IdempotencyKey, IdempotencyKeyReusedError
from slrt_shared.unit_of_work import contract_topic

from .test_complaints import CATALOGUE, GOOD

NOW = datetime(2025, 6, 26, 3, 0, tzinfo=UTC)


class FakeUnitOfWork:
    def __init__(self, catalogue: Catalogue = CATALOGUE, taken: tuple[str, ...] = ()) -> None:
        self._catalogue = catalogue
        self.keys: dict[IdempotencyKey, tuple[str, dict[str, Any]]] = {}
        self.complaints: dict[UUID, Registered] = {}
        self.taken = set(taken)
        self.timeline: list[tuple[UUID, UUID, TimelineEntry]] = []
        self.events: list[tuple[str, CloudEvent]] = []

    async def catalogue(self) -> Catalogue:
        return self._catalogue

    async def save_complaint(
        self, registered: Registered, recorded_by: str, received: UUID, gate: KeyGate | None
    ) -> Saved:
        if gate is not None:
            if gate.key in self.keys:
                return Saved(key_taken=True, row=None)
            self.keys[gate.key] = (gate.request_hash, dict(gate.response))
        if registered.ticket in self.taken:
            return Saved(key_taken=False, row=None)
        self.taken.add(registered.ticket)
        nik, needs = registered.complaint.resident.nik, set(registered.complaint.needs)
        duplicates = [
            c.complaint_id
            for c in self.complaints.values()
            if c.complaint.resident.nik == nik and set(c.complaint.needs) & needs
        ]
        self.complaints[registered.complaint_id] = registered
        self.timeline.append((registered.complaint_id, received, TimelineEntry(NOW, "received")))
        return Saved(key_taken=False, row=self._row(registered, duplicates))

    async def saved_under(self, key: IdempotencyKey) -> SavedKey | None:
        if key not in self.keys:
            return None
        request_hash, response = self.keys[key]
        complaint_id = UUID(response["complaint_id"])
        return SavedKey(request_hash, complaint_id, self._row(self.complaints[complaint_id], []))

    async def save_complaints(self, drafts: Sequence[Draft], recorded_by: str) -> list[Saved]:
        return [
            await self.save_complaint(d.registered, recorded_by, d.received, d.gate) for d in drafts
        ]

    async def saved_under_each(
        self, keys: Sequence[IdempotencyKey]
    ) -> dict[IdempotencyKey, SavedKey]:
        return {k: s for k in keys if (s := await self.saved_under(k)) is not None}

    def announce(self, event: CloudEvent) -> str:
        topic = contract_topic(event)
        self.events.append((topic, event))
        return topic

    @staticmethod
    def _row(registered: Registered, duplicates: list[UUID]) -> dict[str, Any]:
        return {
            "id": registered.complaint_id,
            "ticket": registered.ticket,
            "possible_duplicate_of": duplicates,
        }


async def test_registering_announces_the_complaint_without_personal_data_and_apart_its_pii() -> (
    None
):
    uow = FakeUnitOfWork()
    outcome = await register_complaint(uow, GOOD, operator="op", idempotency_key="k1", now=NOW)
    assert outcome.created
    assert [t for t, _ in uow.events] == ["complaint.created", "complaint.pii"]
    created, pii = (e for _, e in uow.events)
    assert created.subject == pii.subject == str(outcome.complaint_id)
    assert GOOD.resident.nik not in created.to_bytes().decode()
    assert pii.data["nik"] == GOOD.resident.nik
    assert [e.kind for _, _, e in uow.timeline] == ["received"]
    assert uow.timeline[0][1] == created.id, "the timeline entry is the created event's"


async def test_a_repeat_with_the_same_key_returns_the_same_complaint_and_creates_nothing() -> None:
    uow = FakeUnitOfWork()
    first = await register_complaint(uow, GOOD, operator="op", idempotency_key="k1", now=NOW)
    again = await register_complaint(uow, GOOD, operator="op", idempotency_key="k1", now=NOW)
    assert again.complaint_id == first.complaint_id and not again.created
    assert len(uow.complaints) == 1 and len(uow.events) == 2


async def test_the_same_key_with_another_body_is_a_conflict() -> None:
    uow = FakeUnitOfWork()
    await register_complaint(uow, GOOD, operator="op", idempotency_key="k1", now=NOW)
    other = GOOD.__class__(**{**GOOD.__dict__, "needs": ("ADMINDUK",)})
    with pytest.raises(IdempotencyKeyReusedError):
        await register_complaint(uow, other, operator="op", idempotency_key="k1", now=NOW)


async def test_an_invalid_complaint_is_refused_and_nothing_is_emitted() -> None:
    uow = FakeUnitOfWork()
    bad = GOOD.__class__(**{**GOOD.__dict__, "needs": ("PIZZA",)})
    with pytest.raises(ComplaintRejectedError) as refused:
        await register_complaint(uow, bad, operator="op", idempotency_key="k2", now=NOW)
    assert [p.code for p in refused.value.problems] == ["unknown_service"]
    assert uow.events == [] and uow.complaints == {}


async def test_the_same_resident_with_the_same_open_need_is_linked_not_refused() -> None:
    uow = FakeUnitOfWork()
    first = await register_complaint(uow, GOOD, operator="op", idempotency_key="k1", now=NOW)
    other_need = GOOD.__class__(**{**GOOD.__dict__, "needs": ("ADMINDUK",)})
    second = await register_complaint(uow, other_need, operator="op", idempotency_key="k2", now=NOW)
    assert second.created
    assert second.registered is not None
    assert second.registered.possible_duplicate_of == (first.complaint_id,)
    created_events = [e for t, e in uow.events if t == "complaint.created"]
    assert created_events[-1].data["possible_duplicate_of"] == [str(first.complaint_id)]
    assert created_events[0].data["possible_duplicate_of"] == []


async def test_a_key_belongs_to_the_village_not_to_the_token_that_sent_it() -> None:
    uow = FakeUnitOfWork()
    first = await register_complaint(uow, GOOD, operator="old", idempotency_key="k1", now=NOW)
    again = await register_complaint(uow, GOOD, operator="new", idempotency_key="k1", now=NOW)
    assert again.complaint_id == first.complaint_id and not again.created
    assert list(uow.keys) == [key_of("header", GOOD.village_code, "k1")]


async def test_the_same_key_in_another_village_is_another_complaint() -> None:
    uow = FakeUnitOfWork(Catalogue(CATALOGUE.villages | {"32.15.02.2002"}, CATALOGUE.services))
    elsewhere = replace(GOOD, village_code="32.15.02.2002")
    mine = await register_complaint(uow, GOOD, operator="a", idempotency_key="k1", now=NOW)
    theirs = await register_complaint(uow, elsewhere, operator="b", idempotency_key="k1", now=NOW)
    assert theirs.created and theirs.complaint_id != mine.complaint_id


async def test_header_keys_and_device_client_ids_are_separate_namespaces() -> None:
    uow = FakeUnitOfWork()
    other = replace(GOOD, needs=("ADMINDUK",))
    header = await register_complaint(uow, GOOD, operator="op", idempotency_key="7", now=NOW)
    batch = await register_complaint(
        uow, other, operator="op", idempotency_key="7", now=NOW, source="batch"
    )
    assert batch.created and batch.complaint_id != header.complaint_id


async def test_a_ticket_already_taken_is_drawn_again_under_the_key_already_saved(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    drawn = iter(["SLRT-AAAA-AAAA", "SLRT-AAAA-AAAA", "SLRT-BBBB-BBBB"])
    monkeypatch.setattr(tickets, "new_ticket", lambda: next(drawn))
    uow = FakeUnitOfWork(taken=("SLRT-AAAA-AAAA",))
    outcome = await register_complaint(uow, GOOD, operator="op", idempotency_key="k1", now=NOW)
    assert outcome.registered is not None and outcome.registered.ticket == "SLRT-BBBB-BBBB"
    assert len(uow.keys) == 1 and len(uow.complaints) == 1


async def test_a_repeat_of_a_complaint_the_catalogue_no_longer_accepts_still_replays() -> None:
    uow = FakeUnitOfWork()
    first = await register_complaint(uow, GOOD, operator="op", idempotency_key="k1", now=NOW)
    uow._catalogue = Catalogue(frozenset(), CATALOGUE.services)
    again = await register_complaint(uow, GOOD, operator="op", idempotency_key="k1", now=NOW)
    assert (again.complaint_id, again.created) == (first.complaint_id, False)
    with pytest.raises(ComplaintRejectedError):
        await register_complaint(uow, GOOD, operator="op", idempotency_key="k2", now=NOW)
