"""The stored country-wide ranking is kept by area: a cycle rewrites only the rows that changed.

On real Postgres, with a random country of a few hundred villages: whatever the job stored,
every read (the whole list, pages, a kecamatan's pages, totals) equals the full re-rank of the
domain (`reports.computed_national`), ties broken the same way; a village that jumps from the
bottom of the country to its top writes its own rows, not those of every area it passed; the
month just closed stays stored and follows its late events; an older month's is dropped.
"""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

import asyncpg
import pytest

from monitoring.adapters.unit_of_work import MonitoringUnitOfWork
from monitoring.domain.periods import ROLLING, current_month, months_before
from monitoring.domain.ranking import Policy
from monitoring.domain.regions import within
from monitoring.service_layer import archive, publishing, reports

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]

NOW = datetime(2025, 6, 20, 12, 0, 0, 123456, tzinfo=UTC)
MONTH = current_month(NOW)
PREVIOUS = months_before(MONTH, 2)[0]
SERVED = ["32.15", "33.24"]
LEVELS = ("village", "kecamatan")


def country() -> list[tuple[str, str, str, str]]:
    """Two regencies of four kecamatan of thirty villages each."""
    regions = []
    for regency in SERVED:
        regions.append((regency, f"Kabupaten {regency}", "regency", regency[:2]))
        for k in range(1, 5):
            kecamatan = f"{regency}.{k:02d}"
            regions.append((kecamatan, f"Kecamatan {kecamatan}", "district", regency))
            for v in range(1, 31):
                code = f"{kecamatan}.{2000 + v}"
                regions.append((code, f"Desa {code}", "village", kecamatan))
    return regions


REGIONS = country()
VILLAGES = [r[0] for r in REGIONS if r[2] == "village"]


def complaint(
    village: str, received_at: datetime, prompt: bool, closed_after: timedelta | None
) -> tuple[Any, ...]:
    """A complaint fact row."""
    return (
        uuid4(),
        village,
        village[:8],
        village[:5],
        received_at,
        received_at if prompt else received_at - timedelta(days=2),
        received_at + closed_after if closed_after is not None else None,
    )


def random_complaints(
    rng: random.Random,
    village: str,
    count: int,
    start: datetime = datetime(2025, 5, 1, tzinfo=UTC),
    longest_days: int = 9,
    closed_share: float = 0.6,
) -> list[tuple[Any, ...]]:
    """Complaints of a village received from `start` (the month before NOW's) on, some open."""
    span = (NOW - start).total_seconds()
    rows = []
    for _ in range(count):
        received = start + timedelta(seconds=rng.uniform(0, span))
        closed = (
            timedelta(hours=rng.randint(1, longest_days * 24))
            if rng.random() < closed_share
            else None
        )
        if closed is not None and received + closed > NOW:
            closed = None
        rows.append(complaint(village, received, rng.random() < 0.7, closed))
    return rows


async def add_regions(conn: asyncpg.Connection) -> None:
    """Insert the two regencies, their kecamatan and villages."""
    await conn.executemany(
        "INSERT INTO regions (code, name, level, parent_code) VALUES ($1, $2, $3, $4)", REGIONS
    )


async def add(conn: asyncpg.Connection, rows: list[tuple[Any, ...]]) -> None:
    """Insert complaint facts (their triggers note the village-months stale)."""
    await conn.executemany(
        "INSERT INTO complaint_facts (complaint_id, village_code, kecamatan_code, regency_code,"
        " received_at, recorded_at, closed_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        rows,
    )


async def national_writes(conn: asyncpg.Connection) -> int:
    """Rows this transaction wrote so far in the stored country-wide rankings' rows."""
    return int(
        await conn.fetchval(
            "SELECT coalesce(sum(n_tup_ins + n_tup_upd + n_tup_del), 0)"
            " FROM pg_stat_xact_user_tables"
            " WHERE relname IN ('national_ranking_rows', 'national_ranking_areas')"
        )
    )


async def computed(
    uow: MonitoringUnitOfWork, period: str, level: str, policy: Policy, now: datetime
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The full re-rank of a period's country-wide ranking, as JSON gives it back."""
    query = reports.NationalRanking(SERVED, period, level, None, None, 0)
    head, rows = await reports.computed_national(uow, query, policy, now)
    decoded: list[dict[str, Any]] = json.loads(json.dumps(rows, default=str))
    return json.loads(json.dumps(head["summary"], default=str)), decoded


async def assert_reads_equal_a_full_rank(
    uow: MonitoringUnitOfWork, periods: tuple[str, ...], policy: Policy, now: datetime
) -> None:
    """Every read of the stored rankings gives what a full re-rank gives."""
    for period in periods:
        for level in LEVELS:
            summary, rows = await computed(uow, period, level, policy, now)
            whole = await uow.national_encoded(period, level)
            assert whole is not None, (period, level)
            assert [json.loads(r) for r in whole[1]] == rows, (period, level)
            assert whole[0]["summary"] == summary and whole[0]["total"] == len(rows)
            for limit, offset in ((10, 0), (7, 3), (25, 40), (100, 150), (5, len(rows) - 2)):
                page = await uow.national(period, level, None, limit, offset)
                assert page is not None
                assert page[1] == rows[offset : offset + limit], (period, level, limit, offset)
                assert page[0]["total"] == len(rows)
            for kecamatan in ("32.15.01", "33.24.04"):
                inside = [r for r in rows if within(r["code"], kecamatan)]
                for limit, offset in ((None, 0), (4, 0), (6, 5)):
                    end = None if limit is None else offset + limit
                    page = await uow.national(period, level, kecamatan, limit, offset)
                    assert page is not None
                    assert page[1] == inside[offset:end], (period, level, kecamatan)
                    assert page[0]["total"] == len(inside)


def without_rank(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Rows by code, their rank left out (the position a reader numbers)."""
    return {r["code"]: {k: v for k, v in r.items() if k != "rank"} for r in rows}


async def test_random_countries_read_as_a_full_rank_and_cycles_write_only_changed_rows(
    uow: MonitoringUnitOfWork,
) -> None:
    await add_regions(uow.conn)
    rng = random.Random(16)
    # Small caseloads make ties of score and caseload (the code breaks them) and areas with
    # too few cases; some villages have no complaint at all.
    for village in VILLAGES:
        await add(uow.conn, random_complaints(rng, village, rng.choice([0, 1, 2, 4, 6, 9, 15])))
    policy = Policy()
    memory = publishing.RankingMemory()
    command = publishing.PublishRankings(SERVED, national=True)
    periods = (MONTH, PREVIOUS, ROLLING)
    await publishing.publish_changed(command, uow, memory, policy=policy, now=NOW)
    await assert_reads_equal_a_full_rank(uow, periods, policy, NOW)

    # The clock stands still: a backlog that only aged is rewritten later (test_idle_cycle.py).
    now = NOW
    for step in range(4):
        before = {
            (p, level): without_rank((await computed(uow, p, level, policy, now))[1])
            for p in periods
            for level in LEVELS
        }
        for village in rng.sample(VILLAGES, 3):
            await add(uow.conn, random_complaints(rng, village, rng.randint(1, 6)))
        written = await national_writes(uow.conn)
        await publishing.publish_changed(command, uow, memory, policy=policy, now=now)
        await assert_reads_equal_a_full_rank(uow, periods, policy, now)
        # Exactly the rows whose content (all but the rank) changed were written.
        changed = 0
        for (p, level), old in before.items():
            new = without_rank((await computed(uow, p, level, policy, now))[1])
            changed += sum(1 for code, row in new.items() if old.get(code) != row)
        assert await national_writes(uow.conn) - written == changed, step


async def test_a_village_that_jumps_to_the_top_rewrites_its_own_rows_only(
    uow: MonitoringUnitOfWork,
) -> None:
    await add_regions(uow.conn)
    rng = random.Random(27)
    for village in VILLAGES:
        await add(uow.conn, random_complaints(rng, village, 8))
    # No shrinkage toward the country's mean (and no referral, so no share's fallback moves):
    # each area's score is its own, and only the moved areas' rows change content.
    policy = Policy(min_caseload=1, prior_strength=0)
    memory = publishing.RankingMemory()
    command = publishing.PublishRankings(SERVED, national=True)
    await publishing.publish_changed(command, uow, memory, policy=policy, now=NOW)
    _, rows = await computed(uow, MONTH, "village", policy, NOW)
    last = max((r for r in rows if r["rank"] is not None), key=lambda r: r["rank"])

    # The worst village receives many complaints, each registered at once and closed at once.
    late = NOW
    quick = [
        complaint(last["code"], NOW - timedelta(hours=h), True, timedelta(minutes=30))
        for h in range(1, 200)
    ]
    await add(uow.conn, quick)
    written = await national_writes(uow.conn)
    await publishing.publish_changed(command, uow, memory, policy=policy, now=late)
    _, after = await computed(uow, MONTH, "village", policy, late)
    moved = next(r for r in after if r["code"] == last["code"])
    assert last["rank"] - moved["rank"] > 100  # it passed more than a hundred villages
    await assert_reads_equal_a_full_rank(uow, (MONTH, ROLLING), policy, late)
    # Its village row and its kecamatan's, in the month and in the last 30 days: four rows.
    assert await national_writes(uow.conn) - written == 4


async def test_the_month_just_closed_stays_stored_and_follows_late_events(
    uow: MonitoringUnitOfWork,
) -> None:
    await add_regions(uow.conn)
    rng = random.Random(5)
    for village in VILLAGES[:150]:
        await add(uow.conn, random_complaints(rng, village, 5))
    # A month stored long ago, no longer kept.
    old = months_before(MONTH, 4)[0]
    await uow.conn.execute(
        "INSERT INTO national_rankings (period, level, summary, total, computed_at)"
        " VALUES ($1, 'village', '{}', 0, $2)",
        old,
        NOW,
    )
    # A head the release before wrote (its rows by position): not served, computed instead.
    await uow.conn.execute(
        "INSERT INTO national_rankings (period, level, summary, total, computed_at)"
        " VALUES ($1, 'village', '{}', 150, $2)",
        MONTH,
        NOW,
    )
    assert await uow.national(MONTH, "village", None, 10, 0) is None
    assert await uow.national_encoded(MONTH, "village") is None
    policy = Policy()
    memory = publishing.RankingMemory()
    command = publishing.PublishRankings(SERVED, national=True)
    await publishing.publish_changed(command, uow, memory, policy=policy, now=NOW)
    assert await uow.national_periods() == sorted((MONTH, PREVIOUS, ROLLING))
    assert reports.stored_periods(NOW) == (MONTH, PREVIOUS, ROLLING)
    await assert_reads_equal_a_full_rank(uow, (PREVIOUS,), policy, NOW)

    # A late complaint of the month closed, and its closing.
    late = complaint(VILLAGES[3], datetime(2025, 5, 30, tzinfo=UTC), True, None)
    await add(uow.conn, [late])
    later = NOW
    await publishing.publish_changed(command, uow, memory, policy=policy, now=later)
    await assert_reads_equal_a_full_rank(uow, (PREVIOUS,), policy, later)
    await uow.conn.execute(
        "UPDATE complaint_facts SET closed_at = $2 WHERE complaint_id = $1", late[0], later
    )
    latest = NOW
    await publishing.publish_changed(command, uow, memory, policy=policy, now=latest)
    await assert_reads_equal_a_full_rank(uow, (MONTH, PREVIOUS, ROLLING), policy, latest)

    # Read as a request a moment later reads it: the stored copy, not a tally on the spot.
    query = reports.NationalRanking(SERVED, PREVIOUS, "village", None, 20, 0)
    asked = latest + timedelta(seconds=1)
    head, page = await reports.national_ranking(query, uow, policy=policy, now=asked)
    assert head["computed_at"] == latest
    _, rows = await computed(uow, PREVIOUS, "village", policy, latest)
    assert page == rows[:20]


# Five months kept: this one and the one just closed followed by the ranking job, the three
# before built whole by the archive job, newest first.
KEPT = 5
ARCHIVED = months_before(MONTH, KEPT)[:-2][::-1]


def spread_complaints(rng: random.Random, village: str, count: int) -> list[tuple[Any, ...]]:
    """Complaints of a village spread over the five months kept, some still open."""
    return random_complaints(rng, village, count, datetime(2025, 2, 1, tzinfo=UTC), 20, 0.7)


async def archive_all(
    uow: MonitoringUnitOfWork, policy: Policy, now: datetime, started: datetime
) -> list[str]:
    """Run the archive job's passes until none has a month to build; the months it built."""
    command = archive.ArchiveMonths(SERVED, KEPT)
    built = []
    while (month := await archive.archive_next(
        command, uow, policy=policy, now=now, started=started
    )) is not None:  # fmt: skip
        built.append(month)
        assert len(built) <= len(ARCHIVED) * 2, built
    return built


async def test_older_months_are_stored_whole_and_built_again_when_a_late_event_changes_them(
    uow: MonitoringUnitOfWork,
) -> None:
    await add_regions(uow.conn)
    rng = random.Random(12)
    for village in VILLAGES:
        await add(uow.conn, spread_complaints(rng, village, rng.choice([0, 2, 5, 9, 14])))
    policy = Policy()
    memory = publishing.RankingMemory()
    command = publishing.PublishRankings(SERVED, national=True, national_months=KEPT)
    await publishing.publish_changed(command, uow, memory, policy=policy, now=NOW)
    assert await uow.national_periods() == sorted((MONTH, PREVIOUS, ROLLING))
    started = NOW - timedelta(minutes=1)

    # Every month not yet stored is built once, newest first, then nothing is left to build.
    assert await archive_all(uow, policy, NOW, started) == ARCHIVED
    assert await uow.national_periods() == sorted((MONTH, PREVIOUS, ROLLING, *ARCHIVED))
    await assert_reads_equal_a_full_rank(uow, tuple(ARCHIVED), policy, NOW)
    assert reports.stored_periods(NOW, KEPT) == (MONTH, PREVIOUS, ROLLING, *ARCHIVED)

    # A request reads the stored copy (built at NOW), not a tally on the spot.
    later = NOW + timedelta(minutes=5)
    query = reports.NationalRanking(SERVED, ARCHIVED[1], "village", None, 15, 0, KEPT)
    head, page = await reports.national_ranking(query, uow, policy=policy, now=later)
    assert head["computed_at"] == NOW
    assert page == (await computed(uow, ARCHIVED[1], "village", policy, NOW))[1][:15]

    # A late complaint of the oldest month kept, then its closing: the ranking job counts the
    # change, and the archive job builds that month again, and only it, once its last build
    # has settled (five minutes old).
    late = complaint(VILLAGES[7], datetime(2025, 2, 27, tzinfo=UTC), False, None)
    await add(uow.conn, [late])
    await publishing.publish_changed(command, uow, memory, policy=policy, now=later)
    assert await archive_all(uow, policy, later, started) == [ARCHIVED[-1]]
    await assert_reads_equal_a_full_rank(uow, (ARCHIVED[-1],), policy, later)
    closed = later + timedelta(minutes=1)
    await uow.conn.execute(
        "UPDATE complaint_facts SET closed_at = $2 WHERE complaint_id = $1", late[0], closed
    )
    await publishing.publish_changed(command, uow, memory, policy=policy, now=closed)
    assert await archive_all(uow, policy, closed, started) == []
    settled = later + timedelta(minutes=5)
    assert await archive_all(uow, policy, settled, started) == [ARCHIVED[-1]]
    await assert_reads_equal_a_full_rank(uow, (ARCHIVED[-1],), policy, settled)

    # A change counted after the counts were read (while a build ran) is built again after.
    await uow.note_month_changes([ARCHIVED[0]])
    assert await archive_all(uow, policy, settled, started) == [ARCHIVED[0]]

    # Once a build is older than the refresh, the oldest is built again, one per pass.
    aged = settled + timedelta(seconds=3600)
    assert await archive_all(uow, policy, aged, started) == [ARCHIVED[1], ARCHIVED[0], ARCHIVED[2]]
    await assert_reads_equal_a_full_rank(uow, tuple(ARCHIVED), policy, aged)

    # A process started after the builds (its policy may differ) builds every month again.
    stricter = Policy(min_caseload=3, flag_below=70.0)
    restarted = aged + timedelta(seconds=1)
    rebuilt = await archive_all(uow, stricter, restarted, restarted)
    assert sorted(rebuilt) == sorted(ARCHIVED)
    await assert_reads_equal_a_full_rank(uow, tuple(ARCHIVED), stricter, restarted)


async def test_a_month_past_the_months_kept_is_dropped_and_computed_on_request(
    uow: MonitoringUnitOfWork,
) -> None:
    await add_regions(uow.conn)
    rng = random.Random(3)
    for village in VILLAGES[:120]:
        await add(uow.conn, spread_complaints(rng, village, 6))
    policy = Policy()
    command = publishing.PublishRankings(SERVED, national=True, national_months=KEPT)
    await publishing.publish_changed(
        command, uow, publishing.RankingMemory(), policy=policy, now=NOW
    )
    assert await archive_all(uow, policy, NOW, NOW) == ARCHIVED
    memory = publishing.RankingMemory()
    oldest = ARCHIVED[-1]
    counted = (await uow.month_changes([oldest]))[oldest]
    await add(uow.conn, [complaint(VILLAGES[2], datetime(2025, 2, 10, tzinfo=UTC), True, None)])
    await publishing.publish_changed(command, uow, memory, policy=policy, now=NOW)
    assert await uow.month_changes([oldest]) == {oldest: counted + 1}

    # A month on, the oldest kept falls out: it is dropped, and a request computes it.
    next_month = datetime(2025, 7, 3, 8, 0, tzinfo=UTC)
    await publishing.publish_changed(command, uow, memory, policy=policy, now=next_month)
    assert oldest not in await uow.national_periods()
    assert await uow.month_changes([oldest]) == {}
    assert oldest not in reports.stored_periods(next_month, KEPT)
    query = reports.NationalRanking(SERVED, oldest, "village", None, 10, 0, KEPT)
    head, page = await reports.national_ranking(query, uow, policy=policy, now=next_month)
    assert head["computed_at"] == next_month
    assert page == (await computed(uow, oldest, "village", policy, next_month))[1][:10]
    # The month that was just closed is kept, now built whole like the others, all older than
    # the refresh: the newest first.
    assert await archive_all(uow, policy, next_month, NOW) == [PREVIOUS, *ARCHIVED[:-1]]
    await assert_reads_equal_a_full_rank(uow, (PREVIOUS, *ARCHIVED[:-1]), policy, next_month)
