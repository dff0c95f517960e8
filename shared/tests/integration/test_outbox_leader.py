"""The relay that leads keeps the outbox's lock across passes; a killed leader hands over."""

from __future__ import annotations

import asyncio
from typing import Any

import asyncpg
import pytest

from slrt_shared import db
from slrt_shared.contracts import topics
from slrt_shared.outbox import OutboxRelay, idempotent_producer
from slrt_shared.unit_of_work import PgUnitOfWork

from .conftest import escalation

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]


async def commit_one(pool: Any, test_env: Any) -> None:
    uow = PgUnitOfWork(pool, test_env.layout)
    async with uow:
        uow.emit(topics.REFERRAL_ESCALATED, escalation())
        await uow.commit()


async def drained(pool: Any, within: float = 20) -> bool:
    """Whether the outbox empties within a while (a bound on waiting, not a measure)."""
    deadline = asyncio.get_running_loop().time() + within
    while await pool.fetchval("SELECT count(*) FROM outbox"):
        if asyncio.get_running_loop().time() > deadline:
            return False
        await asyncio.sleep(0.05)
    return True


async def comes_to_lead(relay: OutboxRelay, within: float = 20) -> bool:
    """Whether a relay takes the outbox's lock within a while (a bound on waiting)."""
    deadline = asyncio.get_running_loop().time() + within
    while not relay.leading:
        if asyncio.get_running_loop().time() > deadline:
            return False
        await asyncio.sleep(0.05)
    return True


async def test_the_leader_takes_the_lock_once_for_all_its_passes(scratch, test_env) -> None:
    statements: list[str] = []
    passes = 0

    class CountingRelay(OutboxRelay):
        async def relay_once(self) -> int:
            nonlocal passes
            passes += 1
            return await super().relay_once()

    pool = await db.create_pool(scratch.dsn, scratch.schema, min_size=3, max_size=3)
    connections = [await pool.acquire() for _ in range(3)]
    for conn in connections:
        conn.add_query_logger(lambda logged: statements.append(logged.query))
    for conn in connections:
        await pool.release(conn)
    producer = idempotent_producer(test_env.kafka_bootstrap_servers, "test-relay-leader")
    await producer.start()
    relay = CountingRelay(pool, producer, schema=scratch.schema, idle_wait=60)
    running = asyncio.create_task(relay.run())
    try:
        for _ in range(5):  # each commit's NOTIFY wakes a pass
            await commit_one(scratch.pool, test_env)
            assert await drained(scratch.pool)
        assert relay.leading
    finally:
        relay.stop()
        await asyncio.wait_for(running, 10)
        await producer.stop()
        await pool.close()
    await asyncio.sleep(0.1)  # the logger is called soon after each query

    assert passes >= 5
    takes = [q for q in statements if "advisory_lock(" in q or "advisory_xact_lock(" in q]
    assert takes == ["SELECT pg_try_advisory_lock(hashtext($1))"]
    assert any("pg_advisory_unlock(" in q for q in statements)  # let go when it stopped


async def test_a_killed_leader_hands_the_outbox_to_another_member(scratch, test_env) -> None:
    pools = [await db.create_pool(scratch.dsn, scratch.schema) for _ in range(2)]
    producers = [idempotent_producer(test_env.kafka_bootstrap_servers, f"m{i}") for i in (1, 2)]
    for producer in producers:
        await producer.start()
    first = OutboxRelay(pools[0], producers[0], schema=scratch.schema, idle_wait=0.2)
    second = OutboxRelay(pools[1], producers[1], schema=scratch.schema, idle_wait=0.2)
    leading = asyncio.create_task(first.run())
    try:
        await commit_one(scratch.pool, test_env)
        assert await drained(scratch.pool)
        assert first.leading
        following = asyncio.create_task(second.run())
        await commit_one(scratch.pool, test_env)
        assert await drained(scratch.pool)
        assert first.leading and not second.leading

        # killed: its sessions are cut off first, so nothing of it can unlock anything
        pools[0].terminate()
        leading.cancel()
        await asyncio.gather(leading, return_exceptions=True)
        # The killed session's lock ends when the server notices the cut: until then the
        # other member relays each pass under a transaction's lock, then takes the session's.
        await commit_one(scratch.pool, test_env)
        assert await drained(scratch.pool)
        assert await comes_to_lead(second)
        await commit_one(scratch.pool, test_env)
        assert await drained(scratch.pool)
        assert second.leading
        second.stop()
        await asyncio.wait_for(following, 10)
    finally:
        first.stop()
        second.stop()
        for producer in producers:
            await producer.stop()
        for pool in pools:
            pool.terminate()


async def test_a_leader_whose_sessions_are_all_cut_goes_on_relaying(scratch, test_env) -> None:
    name = "slrt-test-relay-cut"  # to find the relay's sessions, and only them
    pool = await asyncpg.create_pool(
        scratch.dsn, server_settings={"search_path": scratch.schema, "application_name": name}
    )
    producer = idempotent_producer(test_env.kafka_bootstrap_servers, "test-relay-cut")
    await producer.start()
    relay = OutboxRelay(pool, producer, schema=scratch.schema, idle_wait=0.2)
    running = asyncio.create_task(relay.run())
    try:
        await commit_one(scratch.pool, test_env)
        assert await drained(scratch.pool)
        assert relay.leading
        for _ in range(3):  # as a failover does: every session of the relay's pool cut
            async with scratch.pool.acquire() as admin:
                await admin.fetchval(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                    " WHERE application_name = $1",
                    name,
                )
            await commit_one(scratch.pool, test_env)
            assert await drained(scratch.pool), "the relay stopped relaying"
        assert not running.done()
    finally:
        relay.stop()
        await asyncio.wait_for(running, 10)
        await producer.stop()
        await pool.close()
