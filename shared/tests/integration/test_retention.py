from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from slrt_shared.contracts.topics import TopicLayout
from slrt_shared.retention import RetentionRule, prune_once
from slrt_shared.runtime import inbox_retention
from slrt_shared.settings import ServiceSettings
from slrt_shared.unit_of_work import PgUnitOfWork

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]


def inbox_rule(days: float) -> RetentionRule:
    return inbox_retention(ServiceSettings(database_url="unused", inbox_retention_days=days))


async def claim(scratch, event_id, at: datetime) -> bool:  # type: ignore[no-untyped-def]
    async with PgUnitOfWork(scratch.pool, TopicLayout("")) as uow:
        fresh = await uow.claim(event_id, "complaint.created")
        await uow.conn.execute(
            "UPDATE inbox SET processed_at = $2 WHERE event_id = $1", event_id, at
        )
        await uow.commit()
    return fresh


async def test_a_redelivery_within_the_window_is_still_recognised(scratch) -> None:  # type: ignore[no-untyped-def]
    now = datetime.now(UTC)
    recent, old = uuid4(), uuid4()
    assert await claim(scratch, recent, now - timedelta(days=89))
    assert await claim(scratch, old, now - timedelta(days=91))

    pruned = await prune_once(scratch.pool, [inbox_rule(90)], now=now)

    assert pruned == {"inbox": 1}
    assert not await claim(scratch, recent, now), "a redelivery inside the window did something"
    assert await claim(scratch, old, now), "an id past the window is forgotten"


async def test_pruning_works_in_batches_until_nothing_old_is_left(scratch) -> None:  # type: ignore[no-untyped-def]
    now = datetime.now(UTC)
    await scratch.pool.execute(
        "INSERT INTO inbox (event_id, topic, processed_at)"
        " SELECT gen_random_uuid(), 'complaint.created', $1 FROM generate_series(1, 25)",
        now - timedelta(days=200),
    )

    pruned = await prune_once(scratch.pool, [inbox_rule(90)], now=now, batch_size=10)

    assert pruned == {"inbox": 25}
    assert (
        await scratch.pool.fetchval(
            "SELECT count(*) FROM inbox WHERE processed_at < $1", now - timedelta(days=90)
        )
        == 0
    )
