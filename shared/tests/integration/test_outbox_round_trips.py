"""A transaction's events reach the outbox in one statement, with one NOTIFY, in their order."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from slrt_shared import db
from slrt_shared.contracts import topics
from slrt_shared.contracts.envelope import CloudEvent
from slrt_shared.outbox import notify_channel
from slrt_shared.unit_of_work import PgUnitOfWork

from .conftest import escalation

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]


async def test_a_commit_of_many_events_costs_one_outbox_statement_and_one_notify(
    scratch, test_env
) -> None:
    # a pool of one connection, so the unit of work runs on the one whose queries are logged
    pool = await db.create_pool(scratch.dsn, scratch.schema, min_size=1, max_size=1)
    statements: list[str] = []
    wakes: list[str] = []

    def wake(*args: Any) -> None:
        wakes.append(str(args[2]))

    listener = await scratch.pool.acquire()
    try:
        async with pool.acquire() as conn:
            conn.add_query_logger(lambda logged: statements.append(logged.query))
        await commit(pool, test_env, [escalation()])  # asyncpg learns the column types once
        await listener.add_listener(notify_channel(scratch.schema), wake)
        await asyncio.sleep(0.1)  # the logger is called soon after each query, not during it
        statements.clear()
        events = [escalation() for _ in range(7)]
        await commit(pool, test_env, events)
        saved = await scratch.pool.fetch("SELECT event_id FROM outbox ORDER BY id")
        for _ in range(50):
            if wakes:
                break
            await asyncio.sleep(0.1)
        await asyncio.sleep(0.3)  # a second NOTIFY, had there been one, would have come too
    finally:
        await listener.remove_listener(notify_channel(scratch.schema), wake)
        await scratch.pool.release(listener)
        await pool.close()

    between = [q for q in statements if q.strip().upper() not in ("BEGIN;", "COMMIT;")]
    assert len(between) == 1, statements
    assert between[0].count("pg_notify") == 1
    assert [row["event_id"] for row in saved][1:] == [event.id for event in events]  # in order
    assert wakes == [notify_channel(scratch.schema)]


async def commit(pool: Any, test_env: Any, events: list[CloudEvent]) -> None:
    """Commit a unit of work that raised these events."""
    uow = PgUnitOfWork(pool, test_env.layout)
    async with uow:
        for event in events:
            uow.emit(topics.REFERRAL_ESCALATED, event)
        await uow.commit()
