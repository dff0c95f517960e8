"""The use cases on a fake unit of work (dictionaries with transactions), no Postgres, no mocks."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from types import TracebackType
from typing import Any, Self
from uuid import UUID, uuid4

import pytest

from referral.domain.referrals import Asked, Case, Referral, Transition
from referral.domain.routing import RoutingRule
from referral.domain.sla import JAKARTA, Calendar
from referral.entrypoints import kafka
from referral.service_layer.context import Context
from referral.service_layer.escalation import EscalateOverdue, escalate_overdue
from slrt_shared import reference
from slrt_shared.consumer import with_inbox
from slrt_shared.contracts.envelope import CloudEvent, InvalidEventError, new_event
from slrt_shared.contracts.events import (
    CaseResolved,
    ComplaintCreated,
    EventData,
    ReferralUpdated,
)
from slrt_shared.contracts.referral_states import Outcome, Status
from slrt_shared.unit_of_work import contract_topic


@dataclass
class Store:
    """The committed state: tables, the inbox and the outbox."""

    rules: dict[tuple[str, str], RoutingRule] = field(default_factory=dict)
    cases: dict[UUID, Case] = field(default_factory=dict)
    referrals: dict[UUID, Referral] = field(default_factory=dict)
    transitions: list[tuple[UUID, UUID, Transition, datetime]] = field(default_factory=list)
    inbox: set[UUID] = field(default_factory=set)
    outbox: list[tuple[str, CloudEvent]] = field(default_factory=list)

    def published(self, topic: str) -> list[dict[str, Any]]:
        """The data of every event written to the outbox for a contract topic."""
        return [e.data for t, e in self.outbox if t == topic]

    def referrals_of(self, complaint_id: UUID) -> list[Referral]:
        """A case's referrals by need and attempt."""
        return sorted(
            (r for r in self.referrals.values() if r.complaint_id == complaint_id),
            key=lambda r: (r.service_code, r.attempt),
        )


class FakeUnitOfWork:
    """Works on a copy of the store; commit writes the copy back, leaving without it drops it."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._tx: Store | None = None
        self._pending: list[tuple[str, CloudEvent]] = []

    @property
    def tx(self) -> Store:
        if self._tx is None:
            raise RuntimeError("unit of work is not open")
        return self._tx

    async def __aenter__(self) -> Self:
        self._tx = copy.deepcopy(self.store)
        self._pending = []
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._tx = None

    async def commit(self) -> None:
        tx = self.tx
        tx.outbox.extend(self._pending)
        self.store.__dict__.update(tx.__dict__)
        self._tx = None

    def announce(self, event: CloudEvent) -> str:
        topic = contract_topic(event)
        self._pending.append((topic, event))
        return topic

    async def claim(self, event_id: UUID, topic: str) -> bool:
        if event_id in self.tx.inbox:
            return False
        self.tx.inbox.add(event_id)
        return True

    async def rule(self, service_code: str, kecamatan_code: str = "") -> RoutingRule | None:
        rules = self.tx.rules
        return rules.get((service_code, kecamatan_code)) or rules.get((service_code, ""))

    async def open_case(self, case: Case) -> bool:
        if case.complaint_id in self.tx.cases:
            return False
        self.tx.cases[case.complaint_id] = case
        return True

    async def case(self, complaint_id: UUID, *, for_update: bool = False) -> Case | None:
        return self.tx.cases.get(complaint_id)

    async def close_case(self, complaint_id: UUID, closed_at: datetime) -> None:
        case = self.tx.cases[complaint_id]
        self.tx.cases[complaint_id] = replace(case, status="closed", closed_at=closed_at)

    async def add_referral(self, referral: Referral) -> None:
        for r in self.tx.referrals.values():
            key = (r.complaint_id, r.service_code, r.attempt)
            if key == (referral.complaint_id, referral.service_code, referral.attempt):
                raise ValueError(f"duplicate referral {key}")
        self.tx.referrals[referral.id] = referral

    async def referral(self, referral_id: UUID, *, for_update: bool = False) -> Referral | None:
        return self.tx.referrals.get(referral_id)

    async def referrals_of(self, complaint_id: UUID) -> list[Referral]:
        return self.tx.referrals_of(complaint_id)

    async def set_status(
        self, referral_id: UUID, status: str, reason_code: str | None, asked: Asked | None = None
    ) -> None:
        if asked is not None:
            await self.log_transition(referral_id, asked.event_id, asked.decision, asked.at)
        r = self.tx.referrals[referral_id]
        over = status in ("rejected", "resolved")
        self.tx.referrals[referral_id] = replace(
            r,
            status=status,  # type: ignore[arg-type]
            reason_code=reason_code if reason_code is not None else r.reason_code,
            next_breach_at=None if over else r.next_breach_at,
        )

    async def resolve(
        self, referral_id: UUID, outcome: Outcome, at: datetime, asked: Asked | None = None
    ) -> None:
        if asked is not None:
            await self.log_transition(referral_id, asked.event_id, asked.decision, asked.at)
        r = self.tx.referrals[referral_id]
        status: Status = "resolved"
        self.tx.referrals[referral_id] = replace(
            r,
            status=status,
            outcome=outcome,
            resolved_at=at,
            next_breach_at=None,
        )

    async def log_transition(
        self, referral_id: UUID, event_id: UUID, decision: Transition, at: datetime
    ) -> None:
        self.tx.transitions.append((referral_id, event_id, decision, at))

    async def overdue(self, now: datetime, limit: int) -> list[Referral]:
        due = [
            r
            for r in self.tx.referrals.values()
            if r.next_breach_at is not None
            and r.next_breach_at < now
            and r.status in ("dispatched", "acknowledged", "in_progress")
        ]
        return sorted(due, key=lambda r: r.next_breach_at or now)[:limit]

    async def mark_escalated(
        self, referral_id: UUID, level: str, at: datetime, next_breach_at: datetime | None
    ) -> None:
        r = self.tx.referrals[referral_id]
        self.tx.referrals[referral_id] = replace(
            r, escalation_level=level, escalated_at=at, next_breach_at=next_breach_at
        )


def catalogue_rules() -> dict[tuple[str, str], RoutingRule]:
    """The district rule of every catalogue service, version 1."""
    return {
        (s.code, ""): RoutingRule(s.code, s.agencies, s.sla_working_days, 1)
        for s in reference.services().values()
    }


@pytest.fixture
def store() -> Store:
    """A store holding the catalogue's routing rules."""
    return Store(rules=catalogue_rules())


MONDAY = datetime(2025, 6, 23, 10, 0, tzinfo=JAKARTA)
CONTEXT = Context(Calendar(frozenset(), JAKARTA, frozenset({2025})), lambda: MONDAY)
VILLAGE = "32.15.02.2001"


class Consumer:
    """Delivers events the way the Kafka consumer does: through the inbox, one transaction each."""

    def __init__(self, store: Store, context: Context = CONTEXT) -> None:
        self.store = store

        def uow() -> FakeUnitOfWork:
            return FakeUnitOfWork(store)

        self.handlers = {
            ComplaintCreated: with_inbox(
                uow,  # type: ignore[arg-type, type-var]
                ComplaintCreated,
                kafka.on_complaint_created(context),
            ),
            ReferralUpdated: with_inbox(
                uow,  # type: ignore[arg-type, type-var]
                ReferralUpdated,
                kafka.on_referral_updated(context),
            ),
            CaseResolved: with_inbox(
                uow,  # type: ignore[arg-type, type-var]
                CaseResolved,
                kafka.on_case_resolved(context),
            ),
        }

    async def deliver(self, data: EventData, event: CloudEvent | None = None) -> CloudEvent:
        event = event or new_event(data, source="/slrt/agency-gateway", subject=uuid4())
        await self.handlers[type(data)](event)
        return event

    async def complaint(self, *needs: str, village: str = VILLAGE) -> UUID:
        complaint_id = uuid4()
        await self.deliver(created(complaint_id, list(needs), village))
        return complaint_id

    async def update(self, r: Referral, status: str, agency: str | None = None) -> CloudEvent:
        return await self.deliver(
            ReferralUpdated(
                referral_id=r.id,
                complaint_id=r.complaint_id,
                agency_code=agency or r.agency_code,
                status=status,  # type: ignore[arg-type]
                reason_code="bukan_kewenangan" if status == "rejected" else None,
                at=MONDAY,
            )
        )

    async def resolve(self, r: Referral, outcome: str, at: datetime = MONDAY) -> CloudEvent:
        return await self.deliver(
            CaseResolved(
                referral_id=r.id,
                complaint_id=r.complaint_id,
                agency_code=r.agency_code,
                outcome=outcome,  # type: ignore[arg-type]
                resolved_at=at,
            )
        )

    def current(self, complaint_id: UUID, service: str) -> Referral:
        return [r for r in self.store.referrals_of(complaint_id) if r.service_code == service][-1]


def created(complaint_id: UUID, needs: list[str], village: str = VILLAGE) -> ComplaintCreated:
    return ComplaintCreated(
        complaint_id=complaint_id,
        ticket="SLRT-7K3M9Q",
        village_code=village,
        needs=needs,
        channel="walk_in",
        received_at=MONDAY - timedelta(minutes=5),
        recorded_at=MONDAY - timedelta(minutes=20),
    )


@pytest.fixture
def consumer(store: Store) -> Consumer:
    return Consumer(store)


def chain(store: Store, complaint_id: UUID) -> list[tuple[str, int, int, str]]:
    return [
        (r.agency_code, r.attempt, r.bounces, r.status) for r in store.referrals_of(complaint_id)
    ]


async def test_each_need_of_a_complaint_is_referred_to_the_first_agency_of_its_rule(
    consumer: Consumer, store: Store
) -> None:
    complaint_id = await consumer.complaint("JKN-PBI", "ADMINDUK")

    case = store.cases[complaint_id]
    assert (case.status, case.ticket, case.village_code) == ("open", "SLRT-7K3M9Q", VILLAGE)
    referrals = {r.service_code: r for r in store.referrals_of(complaint_id)}
    assert {s: (r.agency_code, r.attempt) for s, r in referrals.items()} == {
        "JKN-PBI": ("DINSOS", 1),
        "ADMINDUK": ("DISDUKCAPIL", 1),
    }
    # JKN-PBI has 5 working days from Monday, ADMINDUK 7.
    assert referrals["JKN-PBI"].due_at == datetime(2025, 6, 30, 23, 59, 59, tzinfo=JAKARTA)
    assert referrals["ADMINDUK"].due_at == datetime(2025, 7, 2, 23, 59, 59, tzinfo=JAKARTA)

    events = [e for topic, e in store.outbox if topic == "referral.dispatched"]
    assert len(events) == 2
    for e in events:
        assert (e.source, e.subject, e.time) == ("/slrt/referral", str(complaint_id), MONDAY)
        r = referrals[e.data["service_code"]]
        assert e.data == {
            "referral_id": str(r.id),
            "complaint_id": str(complaint_id),
            "ticket": "SLRT-7K3M9Q",
            "village_code": VILLAGE,
            "service_code": r.service_code,
            "agency_code": r.agency_code,
            "attempt": 1,
            "dispatched_at": MONDAY.isoformat(),
            "due_at": r.due_at.isoformat(),
            "calendar_complete": True,
            # A single-step service's referral is no stage.
            "stage": None,
            "stage_index": None,
            "stages_total": None,
        }


async def test_a_kecamatan_override_routes_the_needs_of_its_villages(store: Store) -> None:
    store.rules[("JKN-PBI", "32.15.02")] = RoutingRule(
        "JKN-PBI", ("BPJSKES",), 2, 3, scope="32.15.02"
    )
    consumer = Consumer(store)
    here = await consumer.complaint("JKN-PBI")
    elsewhere = await consumer.complaint("JKN-PBI", village="32.15.03.2001")

    [overridden] = store.referrals_of(here)
    [plain] = store.referrals_of(elsewhere)
    assert (overridden.agency_code, overridden.rule_scope, overridden.rule_version) == (
        "BPJSKES",
        "32.15.02",
        3,
    )
    assert overridden.due_at == datetime(2025, 6, 25, 23, 59, 59, tzinfo=JAKARTA)
    assert (plain.agency_code, plain.rule_scope) == ("DINSOS", "")


async def test_a_need_named_twice_is_referred_once(consumer: Consumer, store: Store) -> None:
    complaint_id = await consumer.complaint("ADMINDUK", "KESEHATAN", "ADMINDUK")
    assert [r.service_code for r in store.referrals_of(complaint_id)] == ["ADMINDUK", "KESEHATAN"]


async def test_a_need_without_a_rule_goes_to_the_secretariat(
    consumer: Consumer, store: Store
) -> None:
    complaint_id = await consumer.complaint("TIDAK-DIKENAL")
    [r] = store.referrals_of(complaint_id)
    assert (r.agency_code, r.sla_working_days, r.rule_version) == ("SLRT", 7, 0)


async def test_a_redelivered_or_repeated_complaint_creates_nothing_more(
    consumer: Consumer, store: Store
) -> None:
    complaint_id = uuid4()
    data = created(complaint_id, ["JKN-PBI", "ADMINDUK"])
    event = await consumer.deliver(data)
    before = (dict(store.referrals), list(store.outbox))

    await consumer.deliver(data, event)  # the same event again (redelivery)
    await consumer.deliver(data)  # the same complaint under a new event id
    assert (dict(store.referrals), list(store.outbox)) == before


async def test_a_rejected_referral_goes_to_the_next_agency(
    consumer: Consumer, store: Store
) -> None:
    complaint_id = await consumer.complaint("JKN-PBI")
    first = consumer.current(complaint_id, "JKN-PBI")
    await consumer.update(first, "acknowledged")
    await consumer.update(first, "rejected")

    assert chain(store, complaint_id) == [
        ("DINSOS", 1, 0, "rejected"),
        ("BPJSKES", 2, 1, "dispatched"),
    ]
    assert store.referrals[first.id].reason_code == "bukan_kewenangan"
    second = consumer.current(complaint_id, "JKN-PBI")
    assert second.id != first.id
    assert second.next_breach_at == second.due_at
    [*_, dispatched] = store.published("referral.dispatched")
    assert (dispatched["referral_id"], dispatched["agency_code"], dispatched["attempt"]) == (
        str(second.id),
        "BPJSKES",
        2,
    )


async def test_rejections_walk_the_order_to_the_secretariat_which_keeps_the_need(
    consumer: Consumer, store: Store
) -> None:
    complaint_id = await consumer.complaint("PIP")
    for _ in range(3):
        await consumer.update(consumer.current(complaint_id, "PIP"), "rejected")
    assert chain(store, complaint_id) == [
        ("DISDIK", 1, 0, "rejected"),
        ("KEMENAG", 2, 1, "rejected"),
        ("SLRT", 3, 2, "rejected"),
        ("SLRT", 4, 3, "dispatched"),
    ]
    assert len(store.published("referral.dispatched")) == 4


async def test_the_multi_need_case_closes_once_with_every_outcome(
    consumer: Consumer, store: Store
) -> None:
    complaint_id = await consumer.complaint("LANSIA", "ADMINDUK", "JKN-PBI")
    pbi = consumer.current(complaint_id, "JKN-PBI")
    await consumer.update(pbi, "rejected")
    lansia = consumer.current(complaint_id, "LANSIA")
    adminduk = consumer.current(complaint_id, "ADMINDUK")
    bpjs = consumer.current(complaint_id, "JKN-PBI")

    await consumer.update(lansia, "in_progress")
    await consumer.resolve(lansia, "unresolvable", MONDAY + timedelta(days=3))
    await consumer.resolve(bpjs, "resolved", MONDAY + timedelta(days=1))
    assert store.published("complaint.closed") == []
    assert store.cases[complaint_id].status == "open"
    last = await consumer.resolve(adminduk, "partially_resolved", MONDAY + timedelta(days=2))
    await consumer.resolve(adminduk, "resolved")  # a second outcome for the same referral
    await consumer.deliver(
        CaseResolved(
            referral_id=adminduk.id,
            complaint_id=complaint_id,
            agency_code="DISDUKCAPIL",
            outcome="partially_resolved",
            resolved_at=MONDAY + timedelta(days=2),
        ),
        last,
    )  # redelivery

    [closed] = store.published("complaint.closed")
    case = store.cases[complaint_id]
    assert (case.status, case.closed_at) == ("closed", MONDAY + timedelta(days=3))
    assert closed["closed_at"] == (MONDAY + timedelta(days=3)).isoformat()
    assert (closed["ticket"], closed["village_code"]) == ("SLRT-7K3M9Q", VILLAGE)
    assert {(o["service_code"], o["agency_code"], o["outcome"]) for o in closed["outcomes"]} == {
        ("LANSIA", "DINSOS", "unresolvable"),
        ("ADMINDUK", "DISDUKCAPIL", "partially_resolved"),
        ("JKN-PBI", "BPJSKES", "resolved"),
    }
    [event] = [e for topic, e in store.outbox if topic == "complaint.closed"]
    assert (event.source, event.subject) == ("/slrt/referral", str(complaint_id))


def log(store: Store, referral_id: UUID) -> list[tuple[Any, ...]]:
    return [
        (d.from_status, d.to_status, d.accepted, d.reason)
        for r, _, d, _ in store.transitions
        if r == referral_id
    ]


async def test_refused_changes_are_logged_and_change_nothing(
    consumer: Consumer, store: Store
) -> None:
    complaint_id = await consumer.complaint("KESEHATAN")
    r = consumer.current(complaint_id, "KESEHATAN")
    await consumer.update(r, "in_progress")
    await consumer.update(r, "acknowledged")  # late: the agency is already working on it
    await consumer.update(r, "rejected", agency="DINSOS")  # not DINSOS's referral
    await consumer.resolve(r, "resolved")
    await consumer.update(r, "rejected")  # after the outcome

    assert store.referrals[r.id].status == "resolved"
    assert [r.agency_code for r in store.referrals_of(complaint_id)] == ["DINKES"]
    assert log(store, r.id) == [
        ("dispatched", "in_progress", True, ""),
        ("in_progress", "acknowledged", False, "cannot go from in_progress to acknowledged"),
        ("in_progress", "rejected", False, "DINSOS does not hold this referral (DINKES does)"),
        ("in_progress", "resolved", True, ""),
        ("resolved", "rejected", False, "referral is resolved; no further change"),
    ]


async def test_an_outcome_for_a_superseded_referral_is_refused(
    consumer: Consumer, store: Store
) -> None:
    complaint_id = await consumer.complaint("KESEHATAN")
    first = consumer.current(complaint_id, "KESEHATAN")
    await consumer.update(first, "rejected")
    await consumer.resolve(first, "resolved")
    assert store.cases[complaint_id].status == "open"
    assert log(store, first.id)[-1] == (
        "rejected",
        "resolved",
        False,
        "referral is rejected; no further change",
    )


async def test_an_event_for_an_unknown_referral_is_a_dead_letter_and_leaves_no_trace(
    consumer: Consumer, store: Store
) -> None:
    ghost = CaseResolved(
        referral_id=uuid4(),
        complaint_id=uuid4(),
        agency_code="DINSOS",
        outcome="resolved",
        resolved_at=datetime.now(UTC),
    )
    event = new_event(ghost, source="/slrt/agency-gateway", subject=ghost.complaint_id)
    with pytest.raises(InvalidEventError, match="unknown referral"):
        await consumer.deliver(ghost, event)
    # Not claimed in the inbox: replayed from the dead-letter topic, it is processed afresh.
    assert event.id not in store.inbox
    assert (store.transitions, store.cases, store.outbox) == ([], {}, [])


async def test_an_overdue_referral_is_escalated_up_the_ladder_once(
    consumer: Consumer, store: Store
) -> None:
    complaint_id = await consumer.complaint("KESEHATAN")  # 3 working days: due Thursday night
    r = consumer.current(complaint_id, "KESEHATAN")

    async def sweep(now: datetime) -> int:
        context = Context(CONTEXT.calendar, lambda: now)
        async with FakeUnitOfWork(store) as uow:
            count = await escalate_overdue(EscalateOverdue(), uow, context=context)  # type: ignore[arg-type]
            await uow.commit()
        return count

    assert await sweep(datetime(2025, 6, 26, 23, 59, tzinfo=JAKARTA)) == 0
    assert await sweep(datetime(2025, 6, 27, 8, 0, tzinfo=JAKARTA)) == 1
    assert await sweep(datetime(2025, 6, 27, 9, 0, tzinfo=JAKARTA)) == 0
    assert store.referrals[r.id].escalation_level == "kecamatan"
    # One more SLA period from the breach for the kecamatan (due Tuesday 1 July), then the
    # kabupaten.
    assert await sweep(datetime(2025, 7, 1, 23, 0, tzinfo=JAKARTA)) == 0
    assert await sweep(datetime(2025, 7, 2, 0, 1, tzinfo=JAKARTA)) == 1
    assert await sweep(datetime(2025, 9, 1, tzinfo=JAKARTA)) == 0
    assert [e["level"] for e in store.published("referral.escalated")] == [
        "kecamatan",
        "kabupaten",
    ]
