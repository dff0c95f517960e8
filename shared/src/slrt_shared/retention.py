"""Retention: rows kept only as long as they serve a purpose are removed in small batches."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import asyncpg
from prometheus_client import Counter

log = logging.getLogger(__name__)

PRUNED = Counter("slrt_retention_pruned_total", "Rows removed or emptied by retention", ["rule"])


@dataclass(frozen=True)
class RetentionRule:
    """One kind of row with its age limit.

    `sql` is one statement on the service's schema that removes (or empties) at most `$2` rows
    older than the cutoff `$1` and returns one row per row it touched, e.g.
    ``DELETE FROM inbox WHERE ctid IN (SELECT ctid FROM inbox WHERE processed_at < $1
    LIMIT $2) RETURNING 1``.

    A rule whose rows cannot go in one statement (one that must also announce what it removed
    through the outbox) gives `run` instead: called with the pool, the cutoff and the batch
    size, it handles at most that many rows in a transaction of its own and returns how many.
    """

    name: str
    sql: str
    max_age: timedelta
    run: Callable[[asyncpg.Pool, datetime, int], Awaitable[int]] | None = None

    def cutoff(self, now: datetime) -> datetime:
        """The oldest moment a row may be from and still be kept."""
        return now - self.max_age


async def prune_once(
    pool: asyncpg.Pool,
    rules: Sequence[RetentionRule],
    *,
    now: datetime | None = None,
    batch_size: int = 1000,
) -> dict[str, int]:
    """Apply every rule until nothing older than its cutoff is left; return rows per rule."""
    moment = now or datetime.now(UTC)
    done: dict[str, int] = {}
    for rule in rules:
        total = 0
        while True:
            # One short transaction a batch, so pruning never holds locks for long.
            if rule.run is not None:
                count = await rule.run(pool, rule.cutoff(moment), batch_size)
            else:
                count = len(await pool.fetch(rule.sql, rule.cutoff(moment), batch_size))
            total += count
            PRUNED.labels(rule.name).inc(count)
            if count < batch_size:
                break
        done[rule.name] = total
        if total:
            log.info("retention %s: %s rows older than %s", rule.name, total, rule.max_age)
    return done


async def prune_forever(
    pool: asyncpg.Pool, rules: Sequence[RetentionRule], *, interval: float = 3600.0
) -> None:
    """Prune every `interval` seconds for the life of the service."""
    while True:
        try:
            await prune_once(pool, rules)
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            log.warning("retention pass failed, trying again later: %s", exc)
        await asyncio.sleep(interval)
