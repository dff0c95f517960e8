"""A flagged village's months in a row come from the stored monthly rankings, not a re-ranking.

Each month's village and agency rankings are stored by the ranking jobs while the month is
current; a view of the underperformers reads the closed months' flags from them in one
statement, and answers as ranking each month again would. Counted on real Postgres.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

import pytest

from monitoring.adapters.unit_of_work import MonitoringUnitOfWork
from monitoring.service_layer import publishing, underperformers
from slrt_shared.contracts.events import ComplaintCreated

from .test_village_months import POLICY, REGIONS, SERVED, VILLAGE, apply

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]

REGENCY = "32.15"
NOW = datetime(2025, 6, 20, 12, tzinfo=UTC)
# March had no complaint (stored, nobody flagged); April to June six late, open ones each.
MONTHS = (datetime(2025, 3, 10, tzinfo=UTC), datetime(2025, 4, 10, tzinfo=UTC))
FLAGGED = (datetime(2025, 4, 10, tzinfo=UTC), datetime(2025, 5, 10, tzinfo=UTC), NOW)
# The current month ranked (its tallies, regions, agencies), the agencies' names, the stored
# months: whatever the streak's length.
VIEW_STATEMENTS = 6


def late_open(village: str, at: datetime) -> ComplaintCreated:
    """A complaint registered three days after it was received, never closed."""
    return ComplaintCreated(
        complaint_id=uuid4(),
        ticket="SLRT-T",
        village_code=village,
        needs=["JKN-PBI"],
        channel="walk_in",
        received_at=at,
        recorded_at=at - timedelta(days=3),
    )


async def view(uow: MonitoringUnitOfWork) -> tuple[dict[str, Any], list[str]]:
    """The underperformers of the month, and the statements the view sent."""
    sent: list[str] = []

    def log(query: Any) -> None:
        sent.append(query.query)

    uow.conn.add_query_logger(log)
    found = await underperformers.handler(
        underperformers.Underperformers(REGENCY, "2025-06"), uow, policy=POLICY, now=NOW
    )
    await asyncio.sleep(0.1)  # the logger is called soon after each statement, not during it
    uow.conn.remove_query_logger(log)
    return found, sent


async def test_months_in_a_row_are_read_from_the_stored_months(
    uow: MonitoringUnitOfWork,
) -> None:
    await uow.conn.executemany(
        "INSERT INTO regions (code, name, level, parent_code) VALUES ($1, $2, $3, $4)", REGIONS
    )
    command = publishing.PublishRankings(SERVED)
    for month_start in sorted(set(MONTHS) | set(FLAGGED)):
        if month_start in FLAGGED:
            for _ in range(6):
                await apply(uow, late_open(VILLAGE, month_start - timedelta(days=1)))
        # The jobs' cycles of that month store its rankings while it is current.
        at = month_start + timedelta(hours=1)
        memory = publishing.RankingMemory()
        await publishing.publish_changed(command, uow, memory, policy=POLICY, now=at)
        await publishing.publish_agencies(command, uow, policy=POLICY, now=at)

    from_store, sent = await view(uow)
    [village] = [v for v in from_store["villages"] if v["code"] == VILLAGE]
    assert village["months_in_a_row"] == 3
    assert len(sent) <= VIEW_STATEMENTS, sent

    # Without the stored months every one is ranked again: the same answer, more work.
    await uow.conn.execute("DELETE FROM ranking_snapshots WHERE period <> '2025-06'")
    ranked_again, sent_again = await view(uow)
    assert ranked_again == from_store
    assert len(sent_again) > VIEW_STATEMENTS
