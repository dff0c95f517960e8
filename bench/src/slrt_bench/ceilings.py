"""The machine's own ceilings for the platform's work, with nothing of the platform in between.

Postgres: commits per second of the registration's transaction shape (a complaint row, its
personal data, an idempotency key and two outbox rows, one commit) from an asyncpg loop.
Kafka: records per second produced (acks=all, idempotent, a complaint.created-sized record)
and consumed back by aiokafka.
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import time
import uuid
from typing import Any

import asyncpg
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from slrt_devstack import provision
from slrt_shared.outbox import NOTIFY_SQL

SHAPE = """
CREATE TABLE complaint (id uuid PRIMARY KEY, village text, needs text[], body jsonb,
                        received_at timestamptz DEFAULT now());
CREATE TABLE resident (complaint_id uuid PRIMARY KEY, nik text, name text, phone text);
CREATE TABLE idem (key text PRIMARY KEY, complaint_id uuid);
CREATE TABLE outbox (id bigserial PRIMARY KEY, topic text, key text, value bytea,
                     created_at timestamptz DEFAULT now(), published_at timestamptz);
"""
RECORD = json.dumps(
    {
        "specversion": "1.0",
        "id": str(uuid.uuid4()),
        "source": "/slrt/intake",
        "type": "id.slrt.complaint.created.v1",
        "subject": str(uuid.uuid4()),
        "time": "2026-06-26T02:15:00Z",
        "datacontenttype": "application/json",
        "data": {
            "complaint_id": str(uuid.uuid4()),
            "ticket": "SLRT-K7M2-9QXA",
            "village_code": "32.15.02.2001",
            "needs": ["JKN-PBI", "ADMINDUK"],
            "channel": "walk_in",
            "received_at": "2026-06-26T02:15:00Z",
            "recorded_at": "2026-06-26T02:15:00Z",
            "possible_duplicate_of": [],
        },
    }
).encode()


async def postgres_commits(admin_url: str, seconds: float, concurrency: int) -> float:
    """Registration-shaped transactions committed per second."""
    database = "slrt_ceiling_" + secrets.token_hex(3)
    dsns = await provision.create_database(admin_url, database, role_prefix=database + "_")
    dsn = dsns["intake"]
    try:
        setup = await asyncpg.connect(dsn)
        await setup.execute("SET search_path = intake;" + SHAPE)
        await setup.close()
        pool = await asyncpg.create_pool(
            dsn,
            min_size=concurrency,
            max_size=concurrency,
            server_settings={"search_path": "intake"},
        )
        done = 0
        deadline = time.perf_counter() + seconds

        async def worker() -> None:
            nonlocal done
            async with pool.acquire() as conn:
                while time.perf_counter() < deadline:
                    cid = uuid.uuid4()
                    async with conn.transaction():
                        await conn.execute(
                            "INSERT INTO complaint (id, village, needs, body) VALUES ($1,$2,$3,$4)",
                            cid,
                            "32.15.02.2001",
                            ["JKN-PBI"],
                            '{"description": "x"}',
                        )
                        await conn.execute(
                            "INSERT INTO resident VALUES ($1, $2, $3, $4)",
                            cid,
                            "3215024107800001",
                            "Siti Aminah",
                            "+6281234567890",
                        )
                        await conn.execute("INSERT INTO idem VALUES ($1, $2)", str(cid), cid)
                        await conn.executemany(
                            "INSERT INTO outbox (topic, key, value) VALUES ($1, $2, $3)",
                            [
                                ("complaint.created", str(cid), RECORD),
                                ("complaint.pii", str(cid), RECORD),
                            ],
                        )
                        await conn.execute(NOTIFY_SQL)
                    done += 1

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        rate = done / (time.perf_counter() - started)
        await pool.close()
        return rate
    finally:
        await provision.drop_database(admin_url, database, role_prefix=database + "_")


async def kafka_rates(bootstrap: str, records: int, partitions: int = 6) -> dict[str, float]:
    """Records per second produced (acks=all, idempotent) and consumed back."""
    topic = "ceiling." + secrets.token_hex(4)
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    await admin.create_topics([NewTopic(topic, partitions, 1)])
    await provision.wait_for_leaders(admin, [topic])  # else the first sends are refused
    try:
        producer = AIOKafkaProducer(
            bootstrap_servers=bootstrap, acks="all", enable_idempotence=True, linger_ms=5
        )
        await producer.start()
        started = time.perf_counter()
        futures: list[Any] = []
        for n in range(records):
            futures.append(await producer.send(topic, RECORD, key=str(n % 997).encode()))
        await asyncio.gather(*futures)
        produced = records / (time.perf_counter() - started)
        await producer.stop()
        consumer = AIOKafkaConsumer(
            topic,
            bootstrap_servers=bootstrap,
            auto_offset_reset="earliest",
            enable_auto_commit=False,
            group_id="ceiling-" + secrets.token_hex(3),
        )
        await consumer.start()
        seen, started = 0, time.perf_counter()
        while seen < records:
            batches = await consumer.getmany(timeout_ms=500, max_records=5000)
            seen += sum(len(b) for b in batches.values())
        consumed = records / (time.perf_counter() - started)
        await consumer.stop()
        return {"produce_per_s": produced, "consume_per_s": consumed}
    finally:
        await admin.delete_topics([topic])
        await admin.close()


def cpu_count() -> int:
    """Cores this process may use."""
    return len(os.sched_getaffinity(0))
