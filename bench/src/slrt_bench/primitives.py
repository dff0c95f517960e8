"""Primitives of the machine that do not depend on the platform's design.

(a) a bare endpoint on the services' server stack answering a JSON POST after one durable
single-row commit, driven at saturation by the bench's own load generator; (b) Kafka records
produced (acks=all, idempotent) and consumed back; (c) single-statement durable commits per second
from an asyncpg loop.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import secrets
import sys
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import aiohttp
import asyncpg
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from slrt_bench.data import District
from slrt_bench.load import run_step
from slrt_devstack import processes, provision

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


@asynccontextmanager
async def scratch_database(admin_url: str) -> AsyncIterator[str]:
    """A database of its own for one primitive (the intake role's DSN), dropped after."""
    database = "slrt_primitive_" + secrets.token_hex(3)
    dsns = await provision.create_database(admin_url, database, role_prefix=database + "_")
    try:
        yield dsns["intake"]
    finally:
        await provision.drop_database(admin_url, database, role_prefix=database + "_")


async def single_commits(admin_url: str, seconds: float, concurrency: int) -> float:
    """Single-row, single-statement durable commits per second (each its own transaction)."""
    async with scratch_database(admin_url) as dsn:
        pool = await asyncpg.create_pool(
            dsn,
            min_size=concurrency,
            max_size=concurrency,
            server_settings={"search_path": "intake"},
        )
        try:
            await pool.execute("CREATE TABLE one (id uuid PRIMARY KEY, body text)")
            done = 0
            deadline = time.perf_counter() + seconds

            async def worker() -> None:
                nonlocal done
                async with pool.acquire() as conn:
                    while time.perf_counter() < deadline:
                        await conn.execute("INSERT INTO one VALUES ($1, $2)", uuid.uuid4(), "x")
                        done += 1

            started = time.perf_counter()
            await asyncio.gather(*(worker() for _ in range(concurrency)))
            return done / (time.perf_counter() - started)
        finally:
            await pool.close()


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


async def _ready(url: str, within: float) -> None:
    """Wait for the bare endpoint to answer its health check."""
    deadline = time.monotonic() + within
    async with aiohttp.ClientSession() as client:
        while True:
            try:
                async with client.get(url + "/healthz") as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"the bare endpoint did not start at {url}")
            await asyncio.sleep(0.1)


async def bare_http(
    admin_url: str, district: District, rate: float, seconds: float
) -> dict[str, Any]:
    """Requests per second the bare endpoint answers (201, one row committed) at saturation.

    Driven by the bench's open-loop generator at `rate`, above what the endpoint can answer:
    the rate is the answered requests over the span from the first send to the last answer.
    """
    async with scratch_database(admin_url) as dsn:
        port = processes.free_port()
        server = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "slrt_bench.bare",
            env={**os.environ, "BARE_DSN": dsn, "BARE_PORT": str(port)},
        )
        try:
            url = f"http://127.0.0.1:{port}"
            await _ready(url, 30)
            tokens = {village: "bare" for village in district.villages}
            step = await run_step([url], tokens, district, rate, seconds, random.Random(7))
            conn = await asyncpg.connect(dsn, server_settings={"search_path": "intake"})
            try:
                rows = await conn.fetchval("SELECT count(*) FROM bare")
            finally:
                await conn.close()
        finally:
            server.terminate()
            await asyncio.wait_for(server.wait(), 30)
    spans = list(step.accepted_at.values())
    span = max(spans) - min(step.sent_at.values()) if spans else 0.0
    return {
        "offered_per_s": rate,
        "answered": len(step.accepted_at),
        "rows_committed": rows,
        "errors": step.errors,
        "requests_per_s": len(step.accepted_at) / span if span > 0 else 0.0,
    }


def cpu_count() -> int:
    """Cores this process may use."""
    return len(os.sched_getaffinity(0))
