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
        partitions = await _partitions(admin, prefix)
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


async def _partitions(admin: AIOKafkaAdminClient, prefix: str) -> list[TopicPartition]:
    """Every partition of the topics named with the run's prefix."""
    topics = sorted(t for t in await admin.list_topics() if t.startswith(prefix))
    described = await admin.describe_topics(topics) if topics else []
    return [
        TopicPartition(topic["topic"], part["partition"])
        for topic in described
        for part in topic["partitions"]
    ]


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


async def database_bytes(admin_url: str, database: str) -> int:
    """The run database's size on disk (tables, indexes, TOAST) so far."""
    conn = await asyncpg.connect(admin_url)
    try:
        return int(await conn.fetchval("SELECT pg_database_size($1)", database))
    finally:
        await conn.close()


async def topic_bytes(bootstrap: str, prefix: str) -> int:
    """Bytes of key and value of every record on the run's topics so far (before replication)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap, enable_auto_commit=False, auto_offset_reset="earliest"
    )
    await asyncio.gather(admin.start(), consumer.start())
    try:
        partitions = await _partitions(admin, prefix)
        if not partitions:
            return 0
        ends = await consumer.end_offsets(partitions)
        left = {tp for tp, end in ends.items() if end > 0}
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        total = 0
        while left:
            batches = await consumer.getmany(*left, timeout_ms=1000, max_records=5000)
            if not batches:
                break
            for tp, records in batches.items():
                for record in records:
                    total += len(record.key or b"") + len(record.value or b"")
                    total += sum(len(k) + len(v) for k, v in record.headers or ())
                if records and records[-1].offset + 1 >= ends[tp]:
                    left.discard(tp)
        return total
    finally:
        await asyncio.gather(admin.close(), consumer.stop())
