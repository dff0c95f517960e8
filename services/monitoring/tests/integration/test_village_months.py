"""The village-months the rankings read equal a tally of the facts, whatever order events come in.

Events are applied with the projection handlers on a scratch schema, in every order their
topics allow (and twice over), and in concurrent transactions; the tallies read from the
village-months must equal the domain's tally of the fact rows at several moments.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

import asyncpg
import pytest

from monitoring.adapters.unit_of_work import MonitoringUnitOfWork
from monitoring.domain.measures import (
    ComplaintFact,
    ReferralFact,
    Tally,
    combine,
    measure_tally,
    tally,
)
from monitoring.domain.periods import ROLLING, current_month, period_bounds
from monitoring.domain.ranking import Policy, digest, ranked_rows
from monitoring.service_layer import projections, publishing, reports
from slrt_shared.contracts.events import (
    CaseResolved,
    ComplaintClosed,
    ComplaintCreated,
    ReferralDispatched,
    ReferralEscalated,
    ReferralOutcome,
    ReferralUpdated,
)
from slrt_shared.contracts.topics import TopicLayout

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]

VILLAGE = "32.15.02.2001"
OTHER = "32.15.02.2002"
NOW = datetime(2025, 6, 20, 12, 0, 0, 123456, tzinfo=UTC)
DAY = timedelta(days=1)


def case_events(village: str, received_at: datetime, rejected: bool) -> list[Any]:
    """One complaint's events: created, two referrals (one rejected or escalated), closed."""
    cid, first, second = uuid4(), uuid4(), uuid4()
    common = {"complaint_id": cid, "ticket": "SLRT-T", "village_code": village}
    return [
        ComplaintCreated(
            **common,
            needs=["JKN-PBI"],
            channel="walk_in",
            received_at=received_at,
            recorded_at=received_at - DAY * 2 if rejected else received_at,
        ),
        ReferralDispatched(
            **common,
            referral_id=first,
            service_code="JKN-PBI",
            agency_code="DINSOS",
            attempt=1,
            dispatched_at=received_at,
            due_at=received_at + 3 * DAY,
        ),
        ReferralUpdated(
            referral_id=first,
            complaint_id=cid,
            agency_code="DINSOS",
            status="rejected" if rejected else "acknowledged",
            at=received_at + DAY,
        ),
        ReferralEscalated(referral_id=first, complaint_id=cid, level="kecamatan", at=received_at),
        ReferralDispatched(
            **common,
            referral_id=second,
            service_code="JKN-PBI",
            agency_code="BPJS",
            attempt=2,
            dispatched_at=received_at + DAY,
            due_at=received_at + 4 * DAY + timedelta(microseconds=7),
        ),
        CaseResolved(
            referral_id=second,
            complaint_id=cid,
            agency_code="BPJS",
            outcome="resolved",
            resolved_at=received_at + 4 * DAY + timedelta(microseconds=7),
        ),
        ComplaintClosed(
            **common,
            closed_at=received_at + 5 * DAY + timedelta(microseconds=3),
            outcomes=[
                ReferralOutcome(
                    referral_id=second,
                    service_code="JKN-PBI",
                    agency_code="BPJS",
                    outcome="resolved",
                )
            ],
        ),
    ]


HANDLERS: dict[type, Callable[[Any, Any], Awaitable[None]]] = {
    ComplaintCreated: projections.on_created,
    ReferralDispatched: projections.on_dispatched,
    ReferralUpdated: projections.on_updated,
    ReferralEscalated: projections.on_escalated,
    CaseResolved: projections.on_resolved,
    ComplaintClosed: projections.on_closed,
}


async def apply(uow: MonitoringUnitOfWork, event: Any) -> None:
    """Apply one event with its projection handler."""
    await HANDLERS[type(event)](event, uow)


async def facts_tallies(
    conn: asyncpg.Connection, start: datetime | None, end: datetime | None, now: datetime
) -> dict[str, Tally]:
    """The domain's tally of each village's fact rows of complaints received in [start, end)."""
    window = (
        " AND ($1::timestamptz IS NULL OR c.received_at >= $1)"
        " AND ($2::timestamptz IS NULL OR c.received_at < $2)"
    )
    complaints: dict[str, list[ComplaintFact]] = defaultdict(list)
    for r in await conn.fetch(
        "SELECT village_code, received_at, recorded_at, closed_at FROM complaint_facts c"
        f" WHERE received_at IS NOT NULL{window}",
        start,
        end,
    ):
        complaints[r[0]].append(ComplaintFact(*r))
    referrals: dict[str, list[ReferralFact]] = defaultdict(list)
    for r in await conn.fetch(
        "SELECT c.village_code, r.agency_code, r.attempt, r.dispatched_at, r.due_at,"
        " r.acknowledged_at, r.resolved_at, r.rejected, r.escalations, r.reason_code"
        " FROM referral_facts r JOIN complaint_facts c USING (complaint_id)"
        f" WHERE c.received_at IS NOT NULL{window}",
        start,
        end,
    ):
        referrals[r[0]].append(ReferralFact(*r))
    return {v: tally(cs, referrals[v], now) for v, cs in complaints.items()}


def normal(tallies: dict[str, Tally]) -> dict[str, Tally]:
    """Tallies with their durations in order (a tally's lists are multisets)."""
    return {
        v: Tally(
            t.received,
            t.registered_within_a_day,
            sorted(t.days_to_close),
            sorted(t.open_ages),
            t.sla_judged,
            t.sla_met,
            t.escalations,
            t.re_referrals,
        )
        for v, t in tallies.items()
    }


async def assert_same_as_facts(uow: MonitoringUnitOfWork) -> None:
    """At several moments and over every kind of period, village-months equal the facts."""
    for now in (NOW, NOW + 3 * DAY + timedelta(microseconds=1), NOW + 40 * DAY):
        for period in (None, ROLLING, "2025-06", "2025-05"):
            start, end = period_bounds(period, now)
            read = await uow.tallies(None, start, end, "village", now)
            assert normal(read) == normal(await facts_tallies(uow.conn, start, end, now)), (
                period,
                now,
            )
            if period is not None and period != ROLLING:
                await assert_month_as_tallied(uow, period, now)


async def assert_month_as_tallied(uow: MonitoringUnitOfWork, period: str, now: datetime) -> None:
    """A whole month's country-wide villages, from the summaries, equal them from the tallies."""
    regencies = SERVED
    query = reports.NationalRanking(regencies, period, "village", None, None, 0)
    head, rows = await reports.computed_national(uow, query, POLICY, now)
    start, end = period_bounds(period, now)
    tallies = await uow.tallies(regencies, start, end, "village", now)
    villages = await uow.regions(regencies, "village")
    assert {VILLAGE, OTHER} <= {v["code"] for v in villages}
    assert rows == ranked_rows(villages, tallies, POLICY)
    assert head["summary"] == asdict(measure_tally(combine(list(tallies.values()))))


async def test_every_order_of_a_case_s_events_lands_as_the_facts_say(
    uow: MonitoringUnitOfWork,
) -> None:
    await uow.conn.executemany(
        "INSERT INTO regions (code, name, level, parent_code) VALUES ($1, $2, $3, $4)", REGIONS
    )
    # A case told in each of many orders (the topics are read independently), each event twice
    # (a redelivery without the inbox), cases straddling the rolling window's start and a month.
    moments = [NOW - 2 * DAY, NOW - 30 * DAY, NOW - 30 * DAY + timedelta(hours=13), NOW - 45 * DAY]
    for i, (moment, order) in enumerate(
        zip(
            itertools.cycle(moments),
            itertools.islice(itertools.permutations(range(7)), 0, 5040, 240),
            strict=False,
        )
    ):
        events = case_events(VILLAGE if i % 3 else OTHER, moment, rejected=i % 2 == 0)
        for index in order:
            await apply(uow, events[index])
            await apply(uow, events[index])
        await assert_same_as_facts(uow)
    counted = await uow.tallies(None, None, None, "village", NOW)
    assert sum(t.received for t in counted.values()) == 21


async def waiting(conn: asyncpg.Connection, pid: int) -> None:
    """Until a backend waits on a lock (or a while has passed: then it did not need to)."""
    for _ in range(50):
        state = await conn.fetchval(
            "SELECT wait_event_type FROM pg_stat_activity WHERE pid = $1", pid
        )
        if state == "Lock":
            return
        await asyncio.sleep(0.05)


async def test_a_referral_written_alongside_its_complaint_is_counted(
    scratch_pool: asyncpg.Pool,
) -> None:
    # complaint.created and referral.dispatched are consumed by different transactions: the
    # referral's, not seeing the uncommitted complaint, must still be counted once both commit.
    events = case_events(VILLAGE, NOW - DAY, rejected=False)
    created, dispatched = events[0], events[1]
    first = MonitoringUnitOfWork(scratch_pool, TopicLayout())
    second = MonitoringUnitOfWork(scratch_pool, TopicLayout())
    async with first, second:
        await apply(first, created)
        task = asyncio.create_task(apply(second, dispatched))
        await waiting(first.conn, second.conn.get_server_pid())
        await first.commit()
        await task
        await second.commit()
    async with MonitoringUnitOfWork(scratch_pool, TopicLayout()) as check:
        start, end = period_bounds(None, NOW)
        read = await check.tallies(None, start, end, "village", NOW)
        assert normal(read) == normal(await facts_tallies(check.conn, start, end, NOW))
        assert read[VILLAGE].sla_judged == 0 and read[VILLAGE].received >= 1
        due = dispatched.due_at + timedelta(microseconds=1)
        assert (await check.tallies(None, None, None, "village", due))[VILLAGE].sla_judged == 1
        await check.conn.execute(
            "TRUNCATE complaint_facts, referral_facts, village_months, village_month_stale"
        )


REGIONS = [
    ("32.15", "Kabupaten Karawang", "regency", "32"),
    ("32.15.02", "Pangkalan", "district", "32.15"),
    ("32.15.01", "Karawang Barat", "district", "32.15"),
    (VILLAGE, "Ramai", "village", "32.15.02"),
    (OTHER, "Sepi", "village", "32.15.02"),
    ("32.15.02.2003", "Diam", "village", "32.15.02"),
    ("32.15.01.1001", "Lain", "village", "32.15.01"),
    ("33.24", "Kabupaten Kendal", "regency", "33"),
    ("33.24.01", "Weleri", "district", "33.24"),
    ("33.24.01.2001", "Penyangkringan", "village", "33.24.01"),
]
SERVED = ["32.15", "33.24"]
POLICY = Policy(min_caseload=1)


async def assert_national_as_computed(uow: MonitoringUnitOfWork, now: datetime) -> None:
    """The stored country-wide rows of both current periods equal a full computation."""
    for period in (current_month(now), ROLLING):
        for level in ("village", "kecamatan"):
            query = reports.NationalRanking(SERVED, period, level, None, None, 0)
            head, rows = await reports.computed_national(uow, query, POLICY, now)
            stored = await uow.national_encoded(period, level)
            assert stored is not None
            assert [json.loads(r) for r in stored[1]] == json.loads(json.dumps(rows)), (
                period,
                level,
            )
            assert stored[0]["summary"] == json.loads(json.dumps(head["summary"]))


async def assert_published_as_computed(uow: MonitoringUnitOfWork, now: datetime) -> None:
    """The stored country-wide rows and each regency's published digest equal a full computation."""
    await assert_national_as_computed(uow, now)
    for period in (current_month(now), ROLLING):
        for level in ("village", "kecamatan"):
            digests = await uow.digests(period)
            for regency in SERVED:
                computed = await reports.ranking(
                    reports.Ranking(regency, period, level), uow, policy=POLICY, now=now
                )
                assert digests[(regency, level)] == digest(computed), (regency, period, level)


async def test_rankings_kept_from_the_changes_equal_rankings_computed_afresh(
    uow: MonitoringUnitOfWork,
) -> None:
    await uow.conn.executemany(
        "INSERT INTO regions (code, name, level, parent_code) VALUES ($1, $2, $3, $4)", REGIONS
    )
    memory = publishing.RankingMemory()
    command = publishing.PublishRankings(SERVED, national=True)
    now = NOW
    cases = [
        case_events(v, now - timedelta(days=d, hours=h), rejected=(d + h) % 2 == 0)
        for v, d, h in (
            (VILLAGE, 1, 0),
            (VILLAGE, 29, 23),
            (OTHER, 2, 5),
            ("32.15.01.1001", 10, 1),
            ("33.24.01.2001", 3, 2),
            ("33.24.01.2001", 19, 7),
        )
    ]
    # Each cycle sees some events more, or only a later clock: a referral falling due, a
    # complaint leaving the last 30 days, a backlog ageing.
    for step, advance in enumerate((0, 1, 2, 3, 4, 5, 6, 7, 8, 9)):
        now = NOW + advance * timedelta(hours=7, minutes=13)
        for events in cases:
            if step < len(events):
                await apply(uow, events[step])
        await publishing.publish_changed(command, uow, memory, policy=POLICY, now=now)
        await assert_published_as_computed(uow, now)
    # A complaint that arrives late in a month already ranked, for a village never seen.
    for event in case_events("32.15.02.2003", now - DAY, rejected=False)[:3]:
        await apply(uow, event)
    await publishing.publish_changed(command, uow, memory, policy=POLICY, now=now)
    await assert_published_as_computed(uow, now)
