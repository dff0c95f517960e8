"""The work a run's platform does, read from Postgres' and Kafka's own counters.

Postgres: `pg_stat_database` of the run's database (commits, rollbacks, rows written), and
statements from `pg_stat_statements` when the server preloads it (else None). Kafka: records
produced (end-offset sums of the run's topics; the relay does not use transactions, so an offset
is a record) and consumed (committed-offset sums of the groups that consume them).
"""

from __future__ import annotations

import asyncio
from typing import Any

import asyncpg
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

POSTGRES = ("xact_commit", "xact_rollback", "tup_inserted", "tup_updated", "tup_deleted")
# pg_stat_database is updated when a backend flushes its statistics (at most about once a
# second, PG 15+): a reading taken too soon misses the last transactions.
STATS_FLUSH_SECONDS = 1.5


async def postgres(admin_url: str, database: str) -> dict[str, int | None]:
    """The run database's counters so far; `statements` None without pg_stat_statements."""
    conn = await asyncpg.connect(admin_url)
    try:
        await conn.execute("SELECT pg_stat_clear_snapshot()")
        row = await conn.fetchrow(
            f"SELECT {', '.join(POSTGRES)} FROM pg_stat_database WHERE datname = $1", database
        )
        if row is None:
            raise LookupError(f"no database {database}")
        found: dict[str, int | None] = {name: int(row[name]) for name in POSTGRES}
        found["statements"] = await _statements(conn, database)
        return found
    finally:
        await conn.close()


async def backends(admin_url: str, database: str) -> list[int]:
    """Process ids of the Postgres backends connected to the run's database."""
    conn = await asyncpg.connect(admin_url)
    try:
        rows = await conn.fetch("SELECT pid FROM pg_stat_activity WHERE datname = $1", database)
        return [int(r["pid"]) for r in rows]
    finally:
        await conn.close()


async def _statements(conn: asyncpg.Connection, database: str) -> int | None:
    """Statements executed in the database so far, if pg_stat_statements can tell."""
    preloaded = "pg_stat_statements" in str(await conn.fetchval("SHOW shared_preload_libraries"))
    if not preloaded:
        return None
    # the local stack preloads the module; the view needs the extension in the admin database
    await conn.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
    calls = await conn.fetchval(
        "SELECT coalesce(sum(calls), 0) FROM pg_stat_statements"
        " WHERE dbid = (SELECT oid FROM pg_database WHERE datname = $1)",
        database,
    )
    return int(calls)


async def kafka(bootstrap: str, prefix: str, extra_groups: tuple[str, ...] = ()) -> dict[str, int]:
    """Records produced to the run's topics and consumed by its groups (and `extra_groups`)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await asyncio.gather(admin.start(), consumer.start())
    try:
        topics = sorted(t for t in await admin.list_topics() if t.startswith(prefix))
        described = await admin.describe_topics(topics) if topics else []
        partitions = [
            TopicPartition(topic["topic"], part["partition"])
            for topic in described
            for part in topic["partitions"]
        ]
        ends = await consumer.end_offsets(partitions) if partitions else {}
        listed = await admin.list_consumer_groups()
        groups = sorted(
            {str(g[0]) for g in listed if str(g[0]).startswith(prefix)} | set(extra_groups)
        )
        consumed = 0
        for group in groups:
            offsets = await admin.list_consumer_group_offsets(group)
            consumed += sum(
                meta.offset
                for tp, meta in offsets.items()
                if tp.topic.startswith(prefix) and meta.offset > 0
            )
        return {"produced": sum(ends.values()), "consumed": consumed}
    finally:
        await asyncio.gather(admin.close(), consumer.stop())


def deltas(before: dict[str, Any], after: dict[str, Any]) -> dict[str, int | None]:
    """Each counter's growth between two readings (None where either reading has none)."""
    return {
        name: None
        if after[name] is None or before.get(name) is None
        else int(after[name]) - int(before[name])
        for name in after
    }


def per_complaint(grown: dict[str, int | None], complaints: int) -> dict[str, float | None]:
    """Each counter's growth divided by the complaints that caused it."""
    return {
        name: None if value is None or complaints <= 0 else round(value / complaints, 2)
        for name, value in grown.items()
    }
