"""A ranking cycle in which no village-month changed does almost nothing, and writes nothing.

Backlogs still age with the clock; an age changes no rank, so the country is not ranked again
for it and its stored rows are rewritten in place only every `backlog_refresh_seconds`, then
equal to a ranking computed afresh. Counted on real Postgres: the statements the cycle's
connection sends, and the rows this transaction wrote.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import asyncpg
import pytest

from monitoring.adapters.unit_of_work import MonitoringUnitOfWork
from monitoring.service_layer import publishing

from .test_village_months import (
    NOW,
    OTHER,
    POLICY,
    REGIONS,
    SERVED,
    VILLAGE,
    apply,
    assert_published_as_computed,
    case_events,
)

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]

# The statements an idle cycle needs: the stale village-months (none), and nothing else.
IDLE_STATEMENTS = 2


async def writes(conn: asyncpg.Connection) -> int:
    """Rows this transaction inserted, updated or deleted so far, in any table."""
    return int(
        await conn.fetchval(
            "SELECT coalesce(sum(n_tup_ins + n_tup_upd + n_tup_del), 0)"
            " FROM pg_stat_xact_user_tables"
        )
    )


async def test_an_idle_cycle_after_a_ranked_one_reads_little_and_writes_nothing(
    uow: MonitoringUnitOfWork,
) -> None:
    await uow.conn.executemany(
        "INSERT INTO regions (code, name, level, parent_code) VALUES ($1, $2, $3, $4)", REGIONS
    )
    # Open complaints (created, referred, acknowledged) whose backlogs age with the clock.
    for village, days in ((VILLAGE, 1), (OTHER, 2), ("32.15.01.1001", 10), ("33.24.01.2001", 5)):
        for event in case_events(village, NOW - timedelta(days=days), rejected=False)[:3]:
            await apply(uow, event)
    memory = publishing.RankingMemory()
    command = publishing.PublishRankings(SERVED, national=True)
    await publishing.publish_changed(command, uow, memory, policy=POLICY, now=NOW)
    await assert_published_as_computed(uow, NOW)

    sent: list[str] = []

    def log(query: Any) -> None:
        sent.append(query.query)

    before = await writes(uow.conn)
    uow.conn.add_query_logger(log)
    # Nine minutes on, every backlog is 0.006 day older: its rounded age moved, no rank did.
    idle = NOW + timedelta(minutes=9)
    published = await publishing.publish_changed(command, uow, memory, policy=POLICY, now=idle)
    await asyncio.sleep(0.1)  # the logger is called soon after each statement, not during it
    uow.conn.remove_query_logger(log)
    idle_sent = list(sent)
    assert published == 0
    assert len(idle_sent) <= IDLE_STATEMENTS, idle_sent
    assert await writes(uow.conn) == before

    # Past the refresh interval the aged rows are rewritten in place, as a fresh ranking has them.
    later = NOW + timedelta(seconds=command.backlog_refresh_seconds + 60)
    await publishing.publish_changed(command, uow, memory, policy=POLICY, now=later)
    assert await writes(uow.conn) > before
    await assert_published_as_computed(uow, later)
