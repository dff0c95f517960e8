"""A running monitoring on a database and topic set of its own, seeded by its own `seed` command."""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import subprocess
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
import pytest_asyncio
from aiokafka import AIOKafkaProducer

from monitoring.adapters.unit_of_work import MonitoringUnitOfWork
from monitoring.app import MIGRATIONS, build
from monitoring.settings import MonitoringSettings
from slrt_shared import db, reference
from slrt_shared.contracts.topics import TopicLayout

REGENCY = "32.15"


@dataclass(frozen=True)
class Monitoring:
    """The monitoring under test: its HTTP client, topics, consumer group and a producer."""

    http: httpx.AsyncClient
    layout: TopicLayout
    kafka_bootstrap_servers: str
    dsn: str
    group_id: str
    producer: AIOKafkaProducer


def seed(dsn: str, credentials_file: Path) -> subprocess.CompletedProcess[str]:
    """Run `python -m monitoring seed` as `make up` does."""
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "monitoring",
            "seed",
            "--credentials",
            str(credentials_file),
            "--regency",
            REGENCY,
        ],
        env={**os.environ, "MONITORING_DATABASE_URL": dsn, "MONITORING_LOG_JSON": "false"},
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def monitoring(
    test_env: Any, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Monitoring]:
    """Seed (twice: the seed is idempotent) and run monitoring with the ASGI app to call.

    Its own database and topic prefix keep its consumer group and facts apart from the
    end-to-end tests, which run the four services on the session's topics.
    """
    from slrt_devstack import provision

    run = "m" + secrets.token_hex(4)
    dsns = await provision.create_database(test_env.admin_url, f"slrt_{run}", role_prefix=f"{run}_")
    layout = TopicLayout(f"{test_env.topic_prefix}{run}.")
    await provision.create_topics(
        test_env.kafka_bootstrap_servers, layout, list(reference.agencies()), partitions=3
    )
    credentials_file = tmp_path_factory.mktemp("monitoring") / "credentials.json"
    credentials_file.write_text(json.dumps({"operators": {}, "agencies": {}, "admin": "x"}))
    for _ in range(2):
        await asyncio.to_thread(seed, dsns["monitoring"], credentials_file)
    settings = MonitoringSettings(
        database_url=dsns["monitoring"],
        kafka_bootstrap_servers=test_env.kafka_bootstrap_servers,
        topic_prefix=layout.prefix,
        log_json=False,
        ranking_interval_seconds=0.5,
    )
    runtime, app = build(settings)
    producer = AIOKafkaProducer(bootstrap_servers=test_env.kafka_bootstrap_servers, acks="all")
    try:
        async with runtime.running():
            await producer.start()
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://monitoring") as http:
                yield Monitoring(
                    http,
                    layout,
                    test_env.kafka_bootstrap_servers,
                    dsns["monitoring"],
                    runtime.group_id,
                    producer,
                )
    finally:
        await producer.stop()
        if not os.environ.get("SLRT_KEEP_TEST_DATA"):
            await provision.delete_topics(test_env.kafka_bootstrap_servers, layout.prefix)
            await provision.drop_database(test_env.admin_url, f"slrt_{run}", role_prefix=f"{run}_")


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def scratch_pool(test_env: Any) -> AsyncIterator[asyncpg.Pool]:
    """A migrated monitoring schema of its own (no running service touches it)."""
    from slrt_devstack import provision

    run = "u" + secrets.token_hex(4)
    dsns = await provision.create_database(test_env.admin_url, f"slrt_{run}", role_prefix=f"{run}_")
    await db.migrate(dsns["monitoring"], "monitoring", "monitoring", MIGRATIONS)
    pool = await db.create_pool(dsns["monitoring"], "monitoring")
    try:
        yield pool
    finally:
        await pool.close()
        await provision.drop_database(test_env.admin_url, f"slrt_{run}", role_prefix=f"{run}_")


@pytest_asyncio.fixture(loop_scope="session")
async def uow(scratch_pool: asyncpg.Pool) -> AsyncIterator[MonitoringUnitOfWork]:
    """One open transaction on the scratch schema, rolled back after the test."""
    async with MonitoringUnitOfWork(scratch_pool, TopicLayout()) as unit:
        yield unit
