import base64
import json
from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest

from gateway.domain.disclosure import ReferralAtHand, Resident
from gateway.domain.paging import InvalidCursorError, Position
from gateway.domain.referrals import (
    AgencyAction,
    Change,
    Escalation,
    InvalidTransitionError,
    Referral,
    changed,
)
from gateway.domain.webhooks import Delivery
from gateway.service_layer import inbound, views
from gateway.service_layer.actions import (
    ActionResult,
    ActOnReferral,
    ReferralNotFoundError,
    act,
)
from gateway.service_layer.inbound import Announced
from gateway.service_layer.unit_of_work import (
    ActionGate,
    ActionTaken,
    Arrival,
    ChangeMade,
    ResidentKept,
    SavedAnswer,
)
from slrt_shared.contracts.envelope import CloudEvent, new_event
from slrt_shared.contracts.events import ComplaintPii, ReferralDispatched, ReferralEscalated
from slrt_shared.contracts.topics import TopicLayout
from slrt_shared.idempotency import IdempotencyKey, IdempotencyKeyReusedError
from slrt_shared.unit_of_work import contract_topic

T0 = datetime(2025, 6, 23, 3, 0, tzinfo=UTC)
LEVELS = {"JKN-PBI": "sensitive", "RTLH": "basic", "KEKERASAN": "special"}


class FakeUnitOfWork:
    def __init__(self) -> None:
        self.layout = TopicLayout("t.")
        self.referrals: dict[UUID, Referral] = {}
        self.resident_data: dict[UUID, Resident] = {}
        self.responses: dict[IdempotencyKey, tuple[str, dict[str, Any]]] = {}
        self.audit_log: list[tuple[str, UUID, list[str]]] = []
        self.events: list[tuple[str, CloudEvent]] = []
        self.hooks: dict[str, dict[str, Any]] = {}
        self.deliveries: list[tuple[UUID, str, UUID, str]] = []
        self.locks: list[UUID] = []
        self.early: dict[UUID, Escalation] = {}
        self.actions: list[ActionTaken] = []

    async def referral(
        self, referral_id: UUID, agency_code: str | None = None, *, for_update: bool = False
    ) -> Referral | None:
        found = self.referrals.get(referral_id)
        if found is None or (agency_code is not None and found.agency_code != agency_code):
            return None
        return found

    async def referrals_of_complaint(self, complaint_id: UUID) -> list[Referral]:
        return [r for r in self.referrals.values() if r.complaint_id == complaint_id]

    async def lock_complaint(self, complaint_id: UUID) -> None:
        self.locks.append(complaint_id)

    async def page(
        self,
        agency_code: str,
        status: str | None,
        after: Position,
        limit: int,
        filters: object | None = None,
    ) -> list[Referral]:
        # Each referral is its own finished transaction here: every one has settled.
        mine = [
            r
            for r in sorted(self.referrals.values(), key=lambda r: (r.xid, r.seq))
            if r.agency_code == agency_code
            and Position(r.xid, r.seq) > after
            and status in (None, r.status)
        ]
        return mine[:limit]

    async def legacy_position(self, agency_code: str, seq: int) -> Position:
        later = [
            Position(r.xid, r.seq - 1)
            for r in self.referrals.values()
            if r.agency_code == agency_code and r.seq > seq
        ]
        return min([Position(len(self.referrals) + 1, 0), *later])

    async def early_escalation(self, referral_id: UUID) -> Escalation | None:
        return self.early.get(referral_id)

    async def keep_early_escalation(self, escalation: Escalation) -> None:
        self.early[escalation.referral_id] = escalation

    async def take_early_escalation(self, referral_id: UUID) -> Escalation | None:
        return self.early.pop(referral_id, None)

    async def add_referral(self, referral: Referral) -> bool:
        if referral.id in self.referrals:
            return False
        n = len(self.referrals) + 1
        self.referrals[referral.id] = replace(referral, seq=n, xid=n)
        return True

    async def save(self, referral: Referral) -> None:
        self.referrals[referral.id] = referral

    def _at_hand(self, found: Referral) -> ReferralAtHand:
        return ReferralAtHand(
            found,
            self.resident_data.get(found.complaint_id),
            LEVELS.get(found.service_code, "basic"),
            False,
            found.agency_code in self.hooks,
        )

    async def gate_action(
        self,
        key: IdempotencyKey,
        request_hash: str,
        response: Mapping[str, Any],
        referral_id: UUID,
        agency_code: str,
    ) -> ActionGate:
        if key in self.responses:
            return ActionGate(False, False, SavedAnswer(*self.responses[key]))
        # Kept at once: a refusal's rollback is Postgres's (the integration tests show it).
        self.responses[key] = (request_hash, json.loads(json.dumps(response, default=str)))
        found = await self.referral(referral_id, agency_code)
        if found is not None:
            self.locks.append(found.complaint_id)
        return ActionGate(True, found is not None)

    async def saved_action(
        self, key: IdempotencyKey, referral_id: UUID, agency_code: str
    ) -> ActionGate:
        saved = SavedAnswer(*self.responses[key]) if key in self.responses else None
        return ActionGate(False, await self.referral(referral_id, agency_code) is not None, saved)

    async def change_referral(
        self,
        referral_id: UUID,
        agency_code: str,
        change: Change,
        at: datetime,
        *,
        action: str,
        account_id: UUID | None = None,
    ) -> ChangeMade:
        found = await self.referral(referral_id, agency_code)
        if found is None:
            return ChangeMade(None, None)
        if found.status not in change.allowed_from:
            return ChangeMade(found.status, None)
        self.referrals[referral_id] = made = changed(found, change, at)
        self.actions.append(
            ActionTaken(
                referral_id,
                agency_code,
                account_id,
                action,
                made.status,
                made.outcome,
                made.reason_code,
                at,
            )
        )
        return ChangeMade(found.status, self._at_hand(self.referrals[referral_id]))

    async def arrive(self, referral: Referral) -> Arrival | None:
        if not await self.add_referral(referral):
            return None
        early = await self.take_early_escalation(referral.id)
        return Arrival(self._at_hand(self.referrals[referral.id]), early)

    async def keep_resident(self, resident: Resident) -> ResidentKept:
        await self.save_resident(resident)
        mine = await self.referrals_of_complaint(resident.complaint_id)
        return ResidentKept(False, [self._at_hand(r) for r in mine])

    async def save_copies(self, changed: Referral | None, deliveries: list[Delivery]) -> None:
        if changed is not None:
            self.referrals[changed.id] = changed
        self.deliveries += [(d.id, d.agency_code, d.referral_id, d.event_type) for d in deliveries]

    async def save_resident(self, resident: Resident) -> None:
        self.resident_data[resident.complaint_id] = resident

    async def erased_among(self, complaint_ids: list[UUID]) -> set[UUID]:
        return set()

    async def residents(self, complaint_ids: list[UUID]) -> dict[UUID, Resident]:
        return {c: self.resident_data[c] for c in complaint_ids if c in self.resident_data}

    async def pii_levels(self, service_codes: list[str]) -> dict[str, str]:
        return {c: LEVELS[c] for c in service_codes if c in LEVELS}

    async def audit(
        self,
        agency_code: str,
        reads: list[tuple[UUID, list[str]]],
        account_id: UUID | None = None,
    ) -> None:
        self.audit_log += [(agency_code, referral_id, fields) for referral_id, fields in reads]

    async def webhook(self, agency_code: str) -> dict[str, Any] | None:
        return self.hooks.get(agency_code)

    async def enqueue_delivery(
        self, delivery_id: UUID, agency_code: str, referral_id: UUID, event_type: str, payload: str
    ) -> None:
        self.deliveries.append((delivery_id, agency_code, referral_id, event_type))

    def announce(self, event: CloudEvent) -> str:
        physical = self.layout.name(contract_topic(event))
        self.events.append((physical, event))
        return physical

    def topics(self) -> list[str]:
        return [t for t, _ in self.events]


def dispatched(
    complaint_id: UUID, agency: str = "DINSOS", service: str = "JKN-PBI"
) -> ReferralDispatched:
    return ReferralDispatched(
        referral_id=uuid4(),
        complaint_id=complaint_id,
        ticket="SLRT-2506-AB12",
        village_code="32.15.02.2001",
        service_code=service,
        agency_code=agency,
        attempt=1,
        dispatched_at=T0,
        due_at=T0 + timedelta(days=7),
    )


def pii(complaint_id: UUID) -> ComplaintPii:
    return ComplaintPii(
        complaint_id=complaint_id,
        nik="3215024107800001",
        name="Siti Aminah",
        phone="+6281234567890",
        address="Dusun Krajan RT 02/RW 01",
        description="BPJS PBI tidak aktif sejak Maret.",
    )


def wrap(data: Any) -> CloudEvent:
    return new_event(data, source="/slrt/test", subject=data.complaint_id)


async def given_referral(
    uow: FakeUnitOfWork, agency: str = "DINSOS", service: str = "JKN-PBI", with_pii: bool = True
) -> Referral:
    complaint_id = uuid4()
    if with_pii:
        await inbound.on_pii(Announced.of(pii(complaint_id), wrap(pii(complaint_id))), uow)
    data = dispatched(complaint_id, agency, service)
    await inbound.on_dispatched(Announced.of(data, wrap(data)), uow)
    uow.events.clear()
    return uow.referrals[data.referral_id]


async def dinsos_acts(
    uow: FakeUnitOfWork,
    referral: Referral,
    request: AgencyAction,
    key: str = "k",
    now: datetime | None = None,
) -> ActionResult:
    """DINSOS acts on its referral (as `given_referral` makes it) under an idempotency key."""
    return await act(ActOnReferral("DINSOS", referral.id, request, key, now), uow)


async def test_a_dispatched_referral_reaches_the_agency_topic_with_only_its_allowed_data() -> None:
    uow = FakeUnitOfWork()
    complaint_id = uuid4()
    await inbound.on_pii(Announced.of(pii(complaint_id), wrap(pii(complaint_id))), uow)
    data = dispatched(complaint_id, "DISPERKIM", "RTLH")
    await inbound.on_dispatched(Announced.of(data, wrap(data)), uow)

    assert uow.topics() == ["t.agency.DISPERKIM.referrals"]
    copy = uow.events[0][1]
    assert copy.type == "id.slrt.agency.referral.v1" and copy.subject == str(complaint_id)
    assert copy.data["status"] == "dispatched"
    assert copy.data["change"] == "id.slrt.referral.dispatched.v1"
    assert copy.data["resident"]["name"] == "Siti Aminah"
    assert copy.data["resident"]["nik"] is None  # RTLH is basic
    assert copy.data["resident"]["description"] is None


async def test_a_redelivered_dispatch_adds_nothing() -> None:
    uow = FakeUnitOfWork()
    data = dispatched(uuid4())
    await inbound.on_dispatched(Announced.of(data, wrap(data)), uow)
    await inbound.on_dispatched(Announced.of(data, wrap(data)), uow)
    assert len(uow.referrals) == 1 and len(uow.events) == 1


async def test_personal_data_arriving_after_the_referral_reaches_the_agency_on_a_new_copy() -> None:
    uow = FakeUnitOfWork()
    complaint_id = uuid4()
    data = dispatched(complaint_id, "DP3A", "KEKERASAN")
    await inbound.on_dispatched(Announced.of(data, wrap(data)), uow)
    assert uow.events[0][1].data["resident"] is None

    await inbound.on_pii(Announced.of(pii(complaint_id), wrap(pii(complaint_id))), uow)
    topic, copy = uow.events[1]
    assert topic == "t.agency.DP3A.referrals"
    assert copy.data["change"] == "id.slrt.complaint.pii.v1"
    assert copy.data["resident"]["description"] == "BPJS PBI tidak aktif sejak Maret."


async def test_personal_data_is_not_resent_for_a_finished_referral() -> None:
    uow = FakeUnitOfWork()
    referral = await given_referral(uow, with_pii=False)
    uow.referrals[referral.id] = replace(referral, status="resolved", outcome="resolved")
    await inbound.on_pii(
        Announced.of(pii(referral.complaint_id), wrap(pii(referral.complaint_id))), uow
    )
    assert uow.events == [] and referral.complaint_id in uow.resident_data


async def test_an_escalation_is_recorded_and_copied_to_the_agency() -> None:
    uow = FakeUnitOfWork()
    referral = await given_referral(uow)
    data = ReferralEscalated(
        referral_id=referral.id, complaint_id=referral.complaint_id, level="kecamatan", at=T0
    )
    await inbound.on_escalated(Announced.of(data, wrap(data)), uow)
    assert uow.referrals[referral.id].escalation_level == "kecamatan"
    [(topic, copy)] = uow.events
    assert topic == "t.agency.DINSOS.referrals"
    assert copy.data["escalation_level"] == "kecamatan"
    assert copy.data["change"] == "id.slrt.referral.escalated.v1"


async def test_an_escalation_read_before_its_dispatch_is_kept_and_told_with_the_referral() -> None:
    uow = FakeUnitOfWork()
    complaint_id = uuid4()
    referral = dispatched(complaint_id)
    data = ReferralEscalated(
        referral_id=referral.referral_id, complaint_id=complaint_id, level="kecamatan", at=T0
    )
    await inbound.on_escalated(Announced.of(data, wrap(data)), uow)
    assert uow.events == [] and uow.referrals == {}

    await inbound.on_dispatched(Announced.of(referral, wrap(referral)), uow)
    assert uow.referrals[referral.referral_id].escalation_level == "kecamatan"
    changes = [(e.data["change"], e.data["escalation_level"]) for _, e in uow.events]
    assert changes == [
        ("id.slrt.referral.dispatched.v1", None),
        ("id.slrt.referral.escalated.v1", "kecamatan"),
    ]
    assert uow.early == {}


async def test_an_early_escalation_and_its_dispatch_delivered_again_tell_nothing_twice() -> None:
    uow = FakeUnitOfWork()
    complaint_id = uuid4()
    referral = dispatched(complaint_id)
    data = ReferralEscalated(
        referral_id=referral.referral_id, complaint_id=complaint_id, level="kecamatan", at=T0
    )
    for _ in range(2):
        await inbound.on_escalated(Announced.of(data, wrap(data)), uow)
        await inbound.on_dispatched(Announced.of(referral, wrap(referral)), uow)
    assert len(uow.events) == 2 and uow.early == {}


@pytest.mark.parametrize("levels", [("kecamatan", "kabupaten"), ("kabupaten", "kecamatan")])
async def test_of_two_early_escalations_the_higher_is_kept(levels: tuple[str, str]) -> None:
    uow = FakeUnitOfWork()
    complaint_id = uuid4()
    referral = dispatched(complaint_id)
    for level in levels:
        data = ReferralEscalated(
            referral_id=referral.referral_id,
            complaint_id=complaint_id,
            level=level,  # type: ignore[arg-type]
            at=T0,
        )
        await inbound.on_escalated(Announced.of(data, wrap(data)), uow)
    await inbound.on_dispatched(Announced.of(referral, wrap(referral)), uow)
    assert uow.referrals[referral.referral_id].escalation_level == "kabupaten"
    assert uow.events[-1][1].data["escalation_level"] == "kabupaten"


async def test_an_escalation_below_the_referrals_level_changes_nothing() -> None:
    uow = FakeUnitOfWork()
    referral = await given_referral(uow)
    for level in ("kabupaten", "kecamatan", "kabupaten"):
        data = ReferralEscalated(
            referral_id=referral.id,
            complaint_id=referral.complaint_id,
            level=level,  # type: ignore[arg-type]
            at=T0,
        )
        await inbound.on_escalated(Announced.of(data, wrap(data)), uow)
    assert uow.referrals[referral.id].escalation_level == "kabupaten"
    assert [e.data["escalation_level"] for _, e in uow.events] == ["kabupaten"]


async def test_every_change_of_a_complaint_takes_its_lock_first() -> None:
    uow = FakeUnitOfWork()
    referral = await given_referral(uow)
    data = ReferralEscalated(
        referral_id=referral.id, complaint_id=referral.complaint_id, level="kecamatan", at=T0
    )
    await inbound.on_escalated(Announced.of(data, wrap(data)), uow)
    await dinsos_acts(uow, referral, AgencyAction("acknowledge"))
    # pii and dispatch of given_referral, the escalation, the action
    assert uow.locks == [referral.complaint_id] * 4


async def test_acknowledging_announces_the_update_and_copies_it_to_the_agency() -> None:
    uow = FakeUnitOfWork()
    referral = await given_referral(uow)
    result = await dinsos_acts(
        uow, referral, AgencyAction("acknowledge", note="Diterima"), "k1", T0
    )
    assert (result.status, result.note, result.at) == ("acknowledged", "Diterima", T0)
    assert uow.referrals[referral.id].status == "acknowledged"
    assert uow.topics() == ["t.referral.updated", "t.agency.DINSOS.referrals"]
    updated = uow.events[0][1]
    assert updated.source == "/slrt/agency-gateway"
    assert updated.subject == str(referral.complaint_id)
    assert updated.data["status"] == "acknowledged"
    assert updated.data.get("note") is None and updated.data.get("reason_code") is None
    assert uow.referrals[referral.id].note == "Diterima"
    assert uow.events[1][1].data["change"] == "id.slrt.referral.updated.v1"


async def test_resolving_announces_case_resolved_with_the_outcome() -> None:
    uow = FakeUnitOfWork()
    referral = await given_referral(uow)
    result = await dinsos_acts(
        uow,
        referral,
        AgencyAction("resolve", note="PBI aktif kembali", outcome="partially_resolved"),
        "k1",
        T0,
    )
    assert (result.status, result.outcome) == ("resolved", "partially_resolved")
    assert uow.topics() == ["t.case.resolved", "t.agency.DINSOS.referrals"]
    resolved = uow.events[0][1].data
    assert resolved["outcome"] == "partially_resolved"
    assert resolved.get("note") is None
    assert "PBI aktif kembali" not in json.dumps([e.data for _, e in uow.events])
    assert uow.referrals[referral.id].note == "PBI aktif kembali"
    assert resolved["agency_code"] == "DINSOS"
    assert uow.events[1][1].data["outcome"] == "partially_resolved"


async def test_rejecting_announces_the_reason_code_and_keeps_the_text_in_the_gateway() -> None:
    uow = FakeUnitOfWork()
    referral = await given_referral(uow)
    result = await dinsos_acts(
        uow, referral, AgencyAction("reject", note="Ibu Sari menderita TBC paru"), "k1", T0
    )
    assert (result.status, result.reason_code) == ("rejected", "lainnya")
    rejected = uow.events[0][1].data
    assert (rejected["status"], rejected["reason_code"]) == ("rejected", "lainnya")
    assert "TBC" not in json.dumps([e.data for _, e in uow.events])
    assert uow.referrals[referral.id].note == "Ibu Sari menderita TBC paru"


async def test_a_repeat_with_the_same_key_returns_the_same_answer_and_announces_nothing() -> None:
    uow = FakeUnitOfWork()
    referral = await given_referral(uow)
    request = AgencyAction("reject", note="Bukan wewenang kami")
    first = await act(ActOnReferral("DINSOS", referral.id, request, "k"), uow)
    events = list(uow.events)
    again = await act(ActOnReferral("DINSOS", referral.id, request, "k"), uow)
    assert again == first
    assert uow.events == events


async def test_a_key_reused_for_another_request_is_refused() -> None:
    uow = FakeUnitOfWork()
    referral = await given_referral(uow)
    await act(
        ActOnReferral(
            agency_code="DINSOS",
            referral_id=referral.id,
            request=AgencyAction("acknowledge"),
            idempotency_key="k",
        ),
        uow,
    )
    with pytest.raises(IdempotencyKeyReusedError):
        await act(
            ActOnReferral(
                agency_code="DINSOS",
                referral_id=referral.id,
                request=AgencyAction("progress", note="x"),
                idempotency_key="k",
            ),
            uow,
        )


async def test_keys_belong_to_their_agency() -> None:
    uow = FakeUnitOfWork()
    mine = await given_referral(uow, "DINSOS")
    theirs = await given_referral(uow, "DINKES")
    for agency, referral in (("DINSOS", mine), ("DINKES", theirs)):
        await act(
            ActOnReferral(
                agency_code=agency,
                referral_id=referral.id,
                request=AgencyAction("acknowledge"),
                idempotency_key="same-key",
            ),
            uow,
        )
    assert {r.status for r in uow.referrals.values()} == {"acknowledged"}


async def test_an_invalid_transition_is_refused_and_announces_nothing() -> None:
    uow = FakeUnitOfWork()
    referral = await given_referral(uow)
    await act(
        ActOnReferral(
            agency_code="DINSOS",
            referral_id=referral.id,
            request=AgencyAction("acknowledge"),
            idempotency_key="k1",
        ),
        uow,
    )
    uow.events.clear()
    with pytest.raises(InvalidTransitionError):
        await act(
            ActOnReferral(
                agency_code="DINSOS",
                referral_id=referral.id,
                request=AgencyAction("acknowledge"),
                idempotency_key="k2",
            ),
            uow,
        )
    assert uow.events == []


async def test_another_agencys_referral_is_as_missing_as_a_missing_one() -> None:
    uow = FakeUnitOfWork()
    referral = await given_referral(uow, "DINSOS")
    for referral_id in (referral.id, uuid4()):
        with pytest.raises(ReferralNotFoundError):
            await act(
                ActOnReferral(
                    agency_code="BPJSKES",
                    referral_id=referral_id,
                    request=AgencyAction("acknowledge"),
                    idempotency_key=str(referral_id),
                ),
                uow,
            )
        assert await views.read_referral(views.ReadReferral("BPJSKES", referral_id), uow) is None
    assert uow.referrals[referral.id].status == "dispatched" and uow.audit_log == []


async def test_a_webhook_subscriber_gets_each_copy_queued_for_delivery() -> None:
    uow = FakeUnitOfWork()
    uow.hooks["DINSOS"] = {"url": "https://example.invalid/hook"}
    referral = await given_referral(uow)
    await dinsos_acts(uow, referral, AgencyAction("acknowledge"))
    kinds = [d[3] for d in uow.deliveries]
    assert kinds == ["id.slrt.referral.dispatched.v1", "id.slrt.referral.updated.v1"]
    copy_ids = [e.id for t, e in uow.events if t.startswith("t.agency.")]
    assert uow.deliveries[-1][0] == copy_ids[-1]


async def test_reading_a_referral_shows_its_allowed_data_and_audits_the_fields() -> None:
    uow = FakeUnitOfWork()
    referral = await given_referral(uow, "DINSOS", "JKN-PBI")
    view = await views.read_referral(views.ReadReferral("DINSOS", referral.id), uow)
    assert view is not None and view.resident is not None
    assert view.resident["nik"] == "3215024107800001"
    assert "description" not in view.resident  # JKN-PBI is sensitive, not special
    assert uow.audit_log == [("DINSOS", referral.id, ["address", "name", "nik", "phone"])]


async def test_a_referral_without_personal_data_is_read_without_an_audit_entry() -> None:
    uow = FakeUnitOfWork()
    referral = await given_referral(uow, with_pii=False)
    view = await views.read_referral(views.ReadReferral("DINSOS", referral.id), uow)
    assert view is not None and view.resident is None
    assert uow.audit_log == []


async def test_the_list_pages_through_the_agencys_own_referrals_only() -> None:
    uow = FakeUnitOfWork()
    mine = [await given_referral(uow, "DINSOS") for _ in range(5)]
    await given_referral(uow, "DINKES", "JKN-PBI")
    seen: list[UUID] = []
    cursor = None
    pages = 0
    while True:
        page = await views.list_referrals(views.ListReferrals("DINSOS", None, cursor, 2), uow)
        seen += [v.referral.id for v in page.items]
        pages += 1
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert seen == [r.id for r in mine] and pages == 3
    assert {a[1] for a in uow.audit_log} == set(seen)
    assert all(a[0] == "DINSOS" for a in uow.audit_log)
    empty = await views.list_referrals(views.ListReferrals("BPJSKES", None, None, 50), uow)
    assert empty.items == [] and empty.next_cursor is None


async def test_the_list_filters_by_status_and_the_last_full_page_has_no_cursor() -> None:
    uow = FakeUnitOfWork()
    first, second = await given_referral(uow), await given_referral(uow)
    await dinsos_acts(uow, second, AgencyAction("acknowledge"))
    page = await views.list_referrals(views.ListReferrals("DINSOS", "dispatched", None, 1), uow)
    assert [v.referral.id for v in page.items] == [first.id] and page.next_cursor is None


async def test_a_foreign_cursor_is_refused() -> None:
    with pytest.raises(InvalidCursorError):
        await views.list_referrals(views.ListReferrals("DINSOS", None, "x", 5), FakeUnitOfWork())


async def test_every_page_ends_with_a_cursor_to_page_on_from_later() -> None:
    uow = FakeUnitOfWork()
    first = await given_referral(uow)
    page = await views.list_referrals(views.ListReferrals("DINSOS", None, None, 50), uow)
    assert [v.referral.id for v in page.items] == [first.id] and page.next_cursor is None
    empty = await views.list_referrals(
        views.ListReferrals("DINSOS", None, page.resume_cursor, 50), uow
    )
    assert empty.items == [] and empty.resume_cursor == page.resume_cursor
    second = await given_referral(uow)
    later = await views.list_referrals(
        views.ListReferrals("DINSOS", None, empty.resume_cursor, 50), uow
    )
    assert [v.referral.id for v in later.items] == [second.id]


async def test_a_cursor_handed_out_before_still_pages_on() -> None:
    uow = FakeUnitOfWork()
    mine = [await given_referral(uow) for _ in range(3)]
    legacy = base64.urlsafe_b64encode(f"s:{mine[0].seq}".encode()).decode().rstrip("=")
    page = await views.list_referrals(views.ListReferrals("DINSOS", None, legacy, 50), uow)
    assert [v.referral.id for v in page.items] == [r.id for r in mine[1:]]
    past_the_end = base64.urlsafe_b64encode(b"s:99").decode().rstrip("=")
    none = await views.list_referrals(views.ListReferrals("DINSOS", None, past_the_end, 5), uow)
    assert none.items == []
