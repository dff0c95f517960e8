"""The primitives and the per-complaint counters, measured against the real Postgres and Kafka."""

from __future__ import annotations

import asyncio
import secrets

import asyncpg
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from slrt_bench import counters, primitives
from slrt_bench.data import District
from slrt_devstack import provision
from slrt_devstack.infra import Endpoints

pytestmark = pytest.mark.integration


async def test_every_answer_of_the_bare_endpoint_is_a_committed_row(infra: Endpoints) -> None:
    bare = await primitives.bare_http(infra.database_url, District.of("32.15"), 100, 1)
    assert bare["answered"] == 100 and not bare["errors"]
    assert bare["rows_committed"] == bare["answered"]
    assert bare["requests_per_s"] > 0


async def test_single_statement_commits_are_counted(infra: Endpoints) -> None:
    assert await primitives.single_commits(infra.database_url, 0.5, concurrency=2) > 0


async def test_the_run_database_s_commits_are_read_from_postgres(infra: Endpoints) -> None:
    async with primitives.scratch_database(infra.database_url) as dsn:
        database = dsn.rsplit("/", 1)[1].split("?")[0]
        setup = await asyncpg.connect(dsn, server_settings={"search_path": "intake"})
        await setup.execute("CREATE TABLE t (n int)")
        await setup.close()  # a closing backend flushes its statistics
        await asyncio.sleep(counters.STATS_FLUSH_SECONDS)
        before = await counters.postgres(infra.database_url, database)
        conn = await asyncpg.connect(dsn, server_settings={"search_path": "intake"})
        for n in range(20):
            await conn.execute("INSERT INTO t VALUES ($1)", n)
        await conn.close()
        grown: dict[str, int | None] = {}
        for _ in range(50):
            grown = counters.deltas(before, await counters.postgres(infra.database_url, database))
            if (grown["tup_inserted"] or 0) >= 20:
                break
            await asyncio.sleep(0.1)
    # the 20 inserts, each its own commit, and little else (the driver's own introspection)
    assert grown["tup_inserted"] == 20
    assert 20 <= (grown["xact_commit"] or 0) <= 23
    admin = await asyncpg.connect(infra.database_url)
    preloads = "pg_stat_statements" in await admin.fetchval("SHOW shared_preload_libraries")
    await admin.close()
    # statements are counted exactly where the server preloads pg_stat_statements
    assert (grown["statements"] is not None) == preloads
    assert grown["statements"] is None or 20 <= grown["statements"] <= 25


async def test_records_produced_and_consumed_are_read_from_kafka(infra: Endpoints) -> None:
    prefix = f"c{secrets.token_hex(4)}."
    topic = prefix + "events"
    admin = AIOKafkaAdminClient(bootstrap_servers=infra.kafka_bootstrap_servers)
    await admin.start()
    await admin.create_topics([NewTopic(topic, 3, 1)])
    await provision.wait_for_leaders(admin, [topic])
    try:
        before = await counters.kafka(infra.kafka_bootstrap_servers, prefix)
        producer = AIOKafkaProducer(bootstrap_servers=infra.kafka_bootstrap_servers)
        await producer.start()
        for n in range(30):
            await producer.send_and_wait(topic, b"x", key=str(n).encode())
        await producer.stop()
        # one group under the run's prefix reads everything, one outside it reads nothing
        for group in (prefix + "slrt-referral", "elsewhere-" + secrets.token_hex(3)):
            consumer = AIOKafkaConsumer(
                topic,
                bootstrap_servers=infra.kafka_bootstrap_servers,
                group_id=group,
                auto_offset_reset="earliest",
                enable_auto_commit=False,
            )
            await consumer.start()
            seen = 0
            while seen < 30 and group.startswith(prefix):
                batches = await consumer.getmany(timeout_ms=500)
                seen += sum(len(b) for b in batches.values())
            await consumer.commit() if seen else None
            await consumer.stop()
        after = await counters.kafka(infra.kafka_bootstrap_servers, prefix)
        assert counters.deltas(before, after) == {"produced": 30, "consumed": 30}
    finally:
        await admin.delete_topics([topic])
        await admin.close()


async def test_the_bytes_of_the_run_s_records_are_summed(infra: Endpoints) -> None:
    prefix = f"s{secrets.token_hex(4)}."
    topics = [prefix + "events", prefix + "other"]
    admin = AIOKafkaAdminClient(bootstrap_servers=infra.kafka_bootstrap_servers)
    await admin.start()
    await admin.create_topics([NewTopic(t, 2, 1) for t in topics])
    await provision.wait_for_leaders(admin, topics)
    try:
        assert await counters.topic_bytes(infra.kafka_bootstrap_servers, prefix) == 0
        producer = AIOKafkaProducer(bootstrap_servers=infra.kafka_bootstrap_servers)
        await producer.start()
        for n in range(25):  # 10 key bytes + 100 value bytes + 6 header bytes each
            await producer.send_and_wait(
                topics[n % 2], b"v" * 100, key=f"{n:010d}".encode(), headers=[("ce_id", b"x")]
            )
        await producer.stop()
        assert await counters.topic_bytes(infra.kafka_bootstrap_servers, prefix) == 25 * 116
    finally:
        await admin.delete_topics(topics)
        await admin.close()


async def test_the_run_database_s_size_grows_with_what_it_stores(infra: Endpoints) -> None:
    async with primitives.scratch_database(infra.database_url) as dsn:
        database = dsn.rsplit("/", 1)[1].split("?")[0]
        before = await counters.database_bytes(infra.database_url, database)
        conn = await asyncpg.connect(dsn, server_settings={"search_path": "intake"})
        await conn.execute(
            "CREATE TABLE t AS SELECT repeat('x', 200) AS v FROM generate_series(1, 20000)"
        )
        await conn.close()
        assert await counters.database_bytes(infra.database_url, database) - before > 4_000_000
