"""The shared idempotency keys on a real Postgres: one effect per key, refusals, purge."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import pytest

from slrt_devstack.testing import eventually
from slrt_shared import idempotency
from slrt_shared.idempotency import IdempotencyKey, IdempotencyKeyReusedError
from slrt_shared.retention import prune_once

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]


async def pool_of(scratch) -> asyncpg.Pool:  # type: ignore[no-untyped-def]
    """The scratch schema's pool, with the table in the shape the services' migrations give it."""
    await scratch.pool.execute(idempotency.TABLE)
    pool: asyncpg.Pool = scratch.pool
    return pool


async def handle(pool: asyncpg.Pool, key: IdempotencyKey, body: Any, note_id: int) -> Any:
    """A use case with one effect (a note), answered again for a repeat of its key."""
    request_hash = idempotency.fingerprint(body)
    async with pool.acquire() as conn, conn.transaction():
        earlier = await idempotency.replay(conn, key, request_hash)
        if earlier is not None:
            return earlier
        await conn.execute("INSERT INTO notes (id, body) VALUES ($1, $2)", note_id, str(body))
        answer = {"note": note_id}
        await idempotency.remember(conn, key, request_hash, answer)
        return answer


async def test_concurrent_repeats_of_a_key_have_one_effect_and_the_others_replay_it(
    scratch,  # type: ignore[no-untyped-def]
) -> None:
    pool = await pool_of(scratch)
    key = IdempotencyKey("agency:DINSOS", "k-concurrent")
    body = {"action": "acknowledge", "referral": "r1"}
    request_hash = idempotency.fingerprint(body)

    # The first request holds the key, its effect made but not committed, while four repeats
    # arrive on connections of their own.
    first = await pool.acquire()
    tx = first.transaction()
    await tx.start()
    repeats: list[asyncio.Task[Any]] = []
    committed = False
    try:
        assert await idempotency.replay(first, key, request_hash) is None
        await first.execute("INSERT INTO notes (id, body) VALUES (100, 'first')")
        repeats = [asyncio.create_task(handle(pool, key, body, 101 + n)) for n in range(4)]

        async def all_waiting() -> bool:
            # Waiting for the key's lock, or (were there none) for the first one's row.
            waiting = await first.fetchval(
                "SELECT count(*) FROM pg_locks WHERE NOT granted AND ("
                " locktype = 'advisory' AND database ="
                " (SELECT oid FROM pg_database WHERE datname = current_database())"
                " OR locktype = 'transactionid' AND transactionid = pg_current_xact_id()::xid)"
            )
            return bool(waiting == 4) or all(r.done() for r in repeats)

        await eventually(all_waiting)
        await idempotency.remember(first, key, request_hash, {"note": 100})
        await tx.commit()
        committed = True
    finally:
        if not committed:
            await tx.rollback()
        await pool.release(first)
    answers = await asyncio.gather(*repeats, return_exceptions=True)

    assert answers == [{"note": 100}] * 4, "a repeat did not wait for the first request"
    notes = await pool.fetch("SELECT id FROM notes WHERE id BETWEEN 100 AND 104")
    assert [r["id"] for r in notes] == [100]


async def test_a_key_used_again_for_another_request_is_refused_and_other_scopes_are_apart(
    scratch,  # type: ignore[no-untyped-def]
) -> None:
    pool = await pool_of(scratch)
    key = IdempotencyKey("header:32.15.02.2001", "k-reused")
    assert await handle(pool, key, {"needs": ["JKN-PBI"]}, 200) == {"note": 200}

    with pytest.raises(IdempotencyKeyReusedError) as refused:
        await handle(pool, key, {"needs": ["RTLH"]}, 201)
    assert refused.value.key == key
    # The same client key in another scope (another village, another source) is its own.
    elsewhere = IdempotencyKey("header:32.15.02.2002", "k-reused")
    assert await handle(pool, elsewhere, {"needs": ["RTLH"]}, 202) == {"note": 202}
    assert await handle(pool, key, {"needs": ["JKN-PBI"]}, 203) == {"note": 200}
    notes = await pool.fetch("SELECT id FROM notes WHERE id BETWEEN 200 AND 203 ORDER BY id")
    assert [r["id"] for r in notes] == [200, 202]


async def test_keys_older_than_the_retention_are_purged_and_younger_ones_still_replay(
    scratch,  # type: ignore[no-untyped-def]
) -> None:
    pool = await pool_of(scratch)
    now = datetime.now(UTC)
    recent, old = IdempotencyKey("purge", "recent"), IdempotencyKey("purge", "old")
    await handle(pool, recent, "recent", 300)
    await handle(pool, old, "old", 301)
    for key, age in ((recent, 29), (old, 31)):
        await pool.execute(
            "UPDATE idempotency_keys SET created_at = $3 WHERE scope = $1 AND key = $2",
            key.scope,
            key.key,
            now - timedelta(days=age),
        )

    rule = idempotency.retention_rule("test_keys", timedelta(days=30))
    pruned = await prune_once(pool, [rule], now=now, batch_size=1)

    assert pruned == {"test_keys": 1}
    assert await handle(pool, recent, "recent", 302) == {"note": 300}
    # Past the retention the key is forgotten: the request counts as new.
    assert await handle(pool, old, "old", 303) == {"note": 303}


async def test_forget_drops_the_keys_whose_answer_names_the_given_values(
    scratch,  # type: ignore[no-untyped-def]
) -> None:
    pool = await pool_of(scratch)
    keys = [IdempotencyKey("forget", k) for k in ("a", "b", "c")]
    for n, key in enumerate(keys):
        async with pool.acquire() as conn, conn.transaction():
            await idempotency.remember(conn, key, "h", {"complaint_id": f"c{n}"})

    async with pool.acquire() as conn:
        gone = await idempotency.forget(conn, "complaint_id", ["c0", "c2", "elsewhere"])
        with pytest.raises(ValueError):
            await idempotency.forget(conn, "x' OR true --", ["c1"])

    left = await pool.fetch("SELECT key FROM idempotency_keys WHERE scope = 'forget'")
    assert gone == 2
    assert [r["key"] for r in left] == ["b"]
