"""The national-scale benchmark's bulk load equals what monitoring builds from the same events.

A small synthetic country is loaded straight into one database by the benchmark's SQL load
(slrt_bench.national); its cases are then told as events through Kafka to the running
monitoring, which writes its own database. The facts and the rankings of both must be
identical, and the set-based tallies that rank every regency at once must agree with the
per-regency path.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import asyncpg
import pytest
import pytest_asyncio

from monitoring.adapters.unit_of_work import MonitoringUnitOfWork
from monitoring.app import MIGRATIONS
from monitoring.domain.measures import ComplaintFact, ReferralFact, tally
from monitoring.domain.periods import ROLLING, current_month, period_bounds
from monitoring.domain.ranking import LEVELS, Policy
from monitoring.service_layer import reports
from slrt_bench.national.country import synthetic_regions
from slrt_bench.national.events import case_events, publish
from slrt_bench.national.load import load_country
from slrt_devstack import fixtures
from slrt_devstack.testing import eventually
from slrt_shared.contracts.topics import TopicLayout

from .conftest import REGENCY, Monitoring

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]

COMPLAINTS = 400
POLICY = Policy()


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def loaded(test_env: Any) -> AsyncIterator[tuple[str, datetime]]:
    """A database of its own holding the bulk-loaded synthetic cases of the three regencies."""
    async with fixtures.scratch_database(test_env.admin_url, "s") as scratch:
        dsn = scratch.dsn("monitoring")
        await fixtures.migrate(dsn, "monitoring", "monitoring", MIGRATIONS)
        now = datetime.now(UTC)
        # Only the reference data's regions: the same ones `seed` gives the running monitoring.
        regions = synthetic_regions(0, seed=7)
        await load_country(dsn, regions, COMPLAINTS, now, seed=7)
        yield dsn, now


async def facts(dsn: str) -> dict[str, list[tuple[Any, ...]]]:
    """Both fact tables, row by row in key order."""
    conn = await asyncpg.connect(dsn)
    try:
        return {
            table: [tuple(r) for r in await conn.fetch(f"SELECT * FROM {table} ORDER BY {key}")]
            for table, key in (
                ("complaint_facts", "complaint_id"),
                ("referral_facts", "referral_id"),
            )
        }
    finally:
        await conn.close()


async def complaint_facts(
    conn: asyncpg.Connection, regency: str, start: datetime | None, end: datetime | None
) -> list[ComplaintFact]:
    """The complaints received in a regency within [start, end), one fact a row, by village."""
    rows = await conn.fetch(
        "SELECT village_code, received_at, recorded_at, closed_at FROM complaint_facts"
        " WHERE regency_code = $1 AND received_at IS NOT NULL"
        " AND ($2::timestamptz IS NULL OR received_at >= $2)"
        " AND ($3::timestamptz IS NULL OR received_at < $3)",
        regency,
        start,
        end,
    )
    return [ComplaintFact(*r) for r in rows]


async def referral_facts(
    conn: asyncpg.Connection, regency: str, start: datetime | None, end: datetime | None
) -> list[ReferralFact]:
    """The referrals of those complaints, one fact a row, by village."""
    rows = await conn.fetch(
        "SELECT c.village_code, r.agency_code, r.attempt, r.dispatched_at, r.due_at,"
        " r.acknowledged_at, r.resolved_at, r.rejected, r.escalations, r.reason_code"
        " FROM referral_facts r JOIN complaint_facts c USING (complaint_id)"
        " WHERE c.regency_code = $1 AND c.received_at IS NOT NULL"
        " AND ($2::timestamptz IS NULL OR c.received_at >= $2)"
        " AND ($3::timestamptz IS NULL OR c.received_at < $3)",
        regency,
        start,
        end,
    )
    return [ReferralFact(*r) for r in rows]


async def rankings(dsn: str, now: datetime) -> dict[str, Any]:
    """Every ranking of the served regency, by level and period."""
    async with (
        fixtures.pool(dsn, "monitoring") as pool,
        MonitoringUnitOfWork(pool, TopicLayout()) as uow,
    ):
        return {
            f"{level}:{period}": await reports.ranking(
                reports.Ranking(REGENCY, period, level), uow, policy=POLICY, now=now
            )
            for level in LEVELS
            for period in ("all", ROLLING, current_month(now))
        }


async def test_bulk_loaded_cases_equal_the_same_cases_sent_as_events(
    monitoring: Monitoring, loaded: tuple[str, datetime]
) -> None:
    dsn, now = loaded
    expected = await facts(dsn)
    assert len(expected["complaint_facts"]) == COMPLAINTS
    assert any(r[-1] is not None for r in expected["complaint_facts"])  # some closed
    assert any(r[9] for r in expected["referral_facts"])  # some rejected
    assert any(r[10] for r in expected["referral_facts"])  # some escalated

    conn = await asyncpg.connect(dsn)
    try:
        complaints = [dict(r) for r in await conn.fetch("SELECT * FROM complaint_facts")]
        referrals: dict[Any, list[dict[str, Any]]] = defaultdict(list)
        for r in await conn.fetch("SELECT * FROM referral_facts"):
            referrals[r["complaint_id"]].append(dict(r))
    finally:
        await conn.close()
    for complaint in complaints:
        cid = complaint["complaint_id"]
        for data in case_events(complaint, referrals[cid]):
            await publish(monitoring.producer, monitoring.layout, data, cid)
    await monitoring.producer.flush()

    async def same() -> bool:
        return await facts(monitoring.dsn) == expected

    await eventually(same, within=180)
    assert await rankings(monitoring.dsn, now) == await rankings(dsn, now)


async def test_one_pass_over_every_regency_equals_each_regency_ranked_alone(
    loaded: tuple[str, datetime],
) -> None:
    dsn, now = loaded
    regencies = ["32.15", "33.24", "62.03"]
    async with (
        fixtures.pool(dsn, "monitoring") as pool,
        MonitoringUnitOfWork(pool, TopicLayout()) as uow,
    ):
        for period in ("all", ROLLING, current_month(now)):
            together = await reports.all_rankings(
                uow, regencies, period, POLICY, now, national=True
            )
            for regency in regencies:
                for level in LEVELS:
                    alone = await reports.ranking(
                        reports.Ranking(regency, period, level), uow, policy=POLICY, now=now
                    )
                    assert together.by_regency[(regency, level)] == alone
            national = together.national["village"]
            assert len(national) == len(await uow.regions(None, "village"))
            assert [r["rank"] for r in national if r["rank"]] == list(
                range(1, 1 + sum(1 for r in national if r["rank"]))
            )


async def test_tallies_counted_by_postgres_equal_the_domain_s_tally_of_the_facts(
    loaded: tuple[str, datetime],
) -> None:
    dsn, now = loaded
    async with (
        fixtures.pool(dsn, "monitoring") as pool,
        MonitoringUnitOfWork(pool, TopicLayout()) as uow,
    ):
        for period in ("all", ROLLING):
            start, end = period_bounds(period, now)
            counted = await uow.tallies([REGENCY], start, end, "village", now)
            complaints: dict[str, list[Any]] = defaultdict(list)
            referrals: dict[str, list[Any]] = defaultdict(list)
            for c in await complaint_facts(uow.conn, REGENCY, start, end):
                complaints[c.area].append(c)
            for r in await referral_facts(uow.conn, REGENCY, start, end):
                referrals[r.area].append(r)
            assert set(counted) == set(complaints)
            for area, t in counted.items():
                expected = tally(complaints[area], referrals[area], now)
                assert t.received == expected.received
                assert t.registered_within_a_day == expected.registered_within_a_day
                assert sorted(t.days_to_close) == sorted(expected.days_to_close)
                assert sorted(t.open_ages) == sorted(expected.open_ages)
                assert (t.sla_judged, t.sla_met) == (expected.sla_judged, expected.sla_met)
                assert (t.escalations, t.re_referrals) == (
                    expected.escalations,
                    expected.re_referrals,
                )
