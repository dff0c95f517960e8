"""The public timeline kept from other services' events, with a fake unit of work."""

import itertools
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

from intake.domain.tracking import TimelineEntry, status
from intake.service_layer import tracking
from slrt_shared.contracts.envelope import CloudEvent, new_event
from slrt_shared.contracts.events import (
    CaseResolved,
    ComplaintClosed,
    EventData,
    ReferralDispatched,
    ReferralEscalated,
    ReferralOutcome,
    ReferralUpdated,
)

AT = datetime(2025, 6, 26, 3, 0, tzinfo=UTC)
COMPLAINT = uuid4()
REFERRAL = uuid4()


class FakeUnitOfWork:
    """One complaint's timeline and status, unique per event id as the table is."""

    def __init__(self) -> None:
        self.entries: dict[UUID, TimelineEntry] = {uuid4(): TimelineEntry(AT, "received")}
        self.status = "received"
        self.closed_at: datetime | None = None

    async def record(
        self,
        complaint_id: UUID,
        event_id: UUID,
        entry: TimelineEntry,
        status: str,
        order: Sequence[str],
        decision: str | None = None,
        reason_code: str | None = None,
    ) -> None:
        self.entries.setdefault(event_id, entry)
        if order.index(self.status) < order.index(status):
            self.status = status

    async def record_closing(
        self,
        complaint_id: UUID,
        event_id: UUID,
        entry: TimelineEntry,
        closed_at: datetime,
        reopen_until: datetime | None = None,
        outcomes: Sequence[object] = (),
    ) -> None:
        self.entries.setdefault(event_id, entry)
        self.status, self.closed_at = "closed", closed_at

    async def timeline(self, complaint_id: UUID) -> list[TimelineEntry]:
        return sorted(self.entries.values(), key=lambda e: e.at)


def event(data: EventData) -> CloudEvent:
    return new_event(data, source="/slrt/referral", subject=COMPLAINT)


def dispatched(minutes: int, agency: str = "DINSOS", attempt: int = 1) -> ReferralDispatched:
    return ReferralDispatched(
        referral_id=REFERRAL,
        complaint_id=COMPLAINT,
        ticket="SLRT-K7M2-9QXA",
        village_code="32.15.02.2001",
        service_code="PKH",
        agency_code=agency,
        attempt=attempt,
        dispatched_at=AT + timedelta(minutes=minutes),
        due_at=AT + timedelta(days=5),
    )


def updated(minutes: int, state: str, agency: str = "DINSOS") -> ReferralUpdated:
    return ReferralUpdated(
        referral_id=REFERRAL,
        complaint_id=COMPLAINT,
        agency_code=agency,
        status=state,  # type: ignore[arg-type]
        at=AT + timedelta(minutes=minutes),
    )


def closed(minutes: int) -> ComplaintClosed:
    return ComplaintClosed(
        complaint_id=COMPLAINT,
        ticket="SLRT-K7M2-9QXA",
        village_code="32.15.02.2001",
        closed_at=AT + timedelta(minutes=minutes),
        outcomes=[
            ReferralOutcome(
                referral_id=REFERRAL, service_code="PKH", agency_code="DINSOS", outcome="resolved"
            )
        ],
    )


async def test_each_event_adds_its_step_and_moves_the_status() -> None:
    uow = FakeUnitOfWork()
    await tracking.on_dispatched(uow, dispatched(1), event(dispatched(1)))
    assert uow.status == "referred"
    await tracking.on_updated(uow, updated(2, "acknowledged"), event(updated(2, "acknowledged")))
    assert uow.status == "in_progress"
    escalated = ReferralEscalated(
        referral_id=REFERRAL, complaint_id=COMPLAINT, level="kecamatan", at=AT + timedelta(days=3)
    )
    await tracking.on_escalated(uow, escalated, event(escalated))
    resolved = CaseResolved(
        referral_id=REFERRAL,
        complaint_id=COMPLAINT,
        agency_code="DINSOS",
        outcome="partially_resolved",
        resolved_at=AT + timedelta(days=4),
    )
    await tracking.on_resolved(uow, resolved, event(resolved))
    assert uow.status == "in_progress"
    await tracking.on_closed(uow, closed(10_000), event(closed(10_000)))
    assert (uow.status, uow.closed_at) == ("closed", AT + timedelta(minutes=10_000))
    steps = await uow.timeline(COMPLAINT)
    assert [(e.kind, e.agency_code, e.outcome, e.level) for e in steps] == [
        ("received", None, None, None),
        ("referred", "DINSOS", None, None),
        ("acknowledged", "DINSOS", None, None),
        ("escalated", None, None, "kecamatan"),
        ("resolved", "DINSOS", "partially_resolved", None),
        ("closed", None, None, None),
    ]


async def test_a_rejection_shows_and_the_next_agency_takes_over() -> None:
    uow = FakeUnitOfWork()
    await tracking.on_dispatched(uow, dispatched(1), event(dispatched(1)))
    await tracking.on_updated(uow, updated(2, "rejected"), event(updated(2, "rejected")))
    assert uow.status == "referred"
    second = dispatched(3, "DINKES", attempt=2)
    await tracking.on_dispatched(uow, second, event(second))
    kinds = [(e.kind, e.agency_code) for e in await uow.timeline(COMPLAINT)]
    assert kinds[1:] == [("referred", "DINSOS"), ("rejected", "DINSOS"), ("referred", "DINKES")]
    assert uow.status == "referred"


async def test_the_same_event_twice_adds_one_step() -> None:
    uow = FakeUnitOfWork()
    once = event(dispatched(1))
    await tracking.on_dispatched(uow, dispatched(1), once)
    await tracking.on_dispatched(uow, dispatched(1), once)
    assert [e.kind for e in await uow.timeline(COMPLAINT)] == ["received", "referred"]


async def test_a_late_event_does_not_reopen_a_closed_complaint() -> None:
    uow = FakeUnitOfWork()
    await tracking.on_closed(uow, closed(5), event(closed(5)))
    await tracking.on_updated(uow, updated(6, "in_progress"), event(updated(6, "in_progress")))
    assert uow.status == "closed"


async def test_the_status_after_any_order_of_events_is_the_whole_timelines() -> None:
    handled = [
        (tracking.on_dispatched, dispatched(1)),
        (tracking.on_updated, updated(2, "rejected")),
        (tracking.on_dispatched, dispatched(3, "DINKES", attempt=2)),
        (tracking.on_updated, updated(4, "acknowledged", "DINKES")),
        (tracking.on_closed, closed(5)),
    ]
    for n in range(len(handled) + 1):
        for order in itertools.permutations(handled[:n]):
            uow = FakeUnitOfWork()
            for use_case, data in order:
                await use_case(uow, data, event(data))  # type: ignore[operator]
            assert uow.status == status(await uow.timeline(COMPLAINT)), order


def test_status_is_derived_from_the_kinds_received() -> None:
    def of(*kinds: str) -> str:
        return status([TimelineEntry(AT, k) for k in ("received", *kinds)])

    assert of() == "received"
    assert of("referred") == "referred"
    assert of("referred", "rejected") == "referred"
    assert of("referred", "escalated") == "in_progress"
    assert of("referred", "in_progress") == "in_progress"
    assert of("referred", "resolved") == "in_progress"
    assert of("referred", "resolved", "closed") == "closed"
