"""A running monitoring on a database and topic set of its own, seeded by its own `seed` command."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import asyncpg
import httpx
import pytest
import pytest_asyncio
from aiokafka import AIOKafkaProducer

from monitoring.adapters.unit_of_work import MonitoringUnitOfWork
from monitoring.app import MIGRATIONS, build
from monitoring.settings import MonitoringSettings
from slrt_devstack import fixtures
from slrt_shared.contracts.topics import TopicLayout

REGENCY = fixtures.REGENCY


@dataclass(frozen=True)
class Monitoring:
    """The monitoring under test: its HTTP client, topics, consumer group and a producer."""

    http: httpx.AsyncClient
    layout: TopicLayout
    kafka_bootstrap_servers: str
    dsn: str
    group_id: str
    producer: AIOKafkaProducer


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def monitoring(
    test_env: Any, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Monitoring]:
    """Seed (twice: the seed is idempotent) and run monitoring with the ASGI app to call.

    Its own database and topic prefix keep its consumer group and facts apart from the
    end-to-end tests, which run the four services on the session's topics.
    """
    credentials = {"operators": {}, "agencies": {}, "admin": "x"}
    folder = tmp_path_factory.mktemp("monitoring")
    async with test_env.beside("m") as stack:
        dsn = stack.dsn("monitoring")
        for _ in range(2):
            await fixtures.seed_by_command("monitoring", dsn, credentials, REGENCY, folder)
        settings = MonitoringSettings(**stack.settings("monitoring"), ranking_interval_seconds=0.5)
        runtime, app = build(settings)
        producer = AIOKafkaProducer(bootstrap_servers=stack.kafka_bootstrap_servers, acks="all")
        async with fixtures.running_service(runtime, app, "monitoring") as http:
            await producer.start()
            try:
                yield Monitoring(
                    http,
                    stack.layout,
                    stack.kafka_bootstrap_servers,
                    dsn,
                    runtime.group_id,
                    producer,
                )
            finally:
                await producer.stop()


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def scratch_pool(test_env: Any) -> AsyncIterator[asyncpg.Pool]:
    """A migrated monitoring schema of its own (no running service touches it)."""
    async with fixtures.scratch_schema(
        test_env.admin_url, "u", "monitoring", MIGRATIONS
    ) as scratch:
        yield scratch.pool


@pytest_asyncio.fixture(loop_scope="session")
async def uow(scratch_pool: asyncpg.Pool) -> AsyncIterator[MonitoringUnitOfWork]:
    """One open transaction on the scratch schema, rolled back after the test."""
    async with MonitoringUnitOfWork(scratch_pool, TopicLayout()) as unit:
        yield unit
