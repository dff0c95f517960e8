"""Fixtures shared by every test layer: a real Kafka and Postgres, isolated per test session."""

from __future__ import annotations

import asyncio
import os
import secrets
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import pytest_asyncio

from slrt_shared import reference
from slrt_shared.contracts.topics import TopicLayout

ROOT = Path(__file__).parent


@dataclass(frozen=True)
class TestEnv:
    """A fresh database with one role per service, and topics under a unique prefix."""

    kafka_bootstrap_servers: str
    admin_url: str
    database: str
    dsns: dict[str, str]
    topic_prefix: str
    layout: TopicLayout = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "layout", TopicLayout(self.topic_prefix))


@pytest.fixture(scope="session")
def infra() -> Iterator[object]:
    """Kafka and Postgres: from the environment, testcontainers, or the local stack."""
    from slrt_devstack.infra import ensure_infra

    yield ensure_infra(ROOT)


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def test_env(infra: object) -> AsyncIterator[TestEnv]:
    """Provision an isolated database and topic set for this session; remove them after."""
    from slrt_devstack import provision

    run = "t" + secrets.token_hex(4)
    kafka = infra.kafka_bootstrap_servers  # type: ignore[attr-defined]
    admin = infra.database_url  # type: ignore[attr-defined]
    database = f"slrt_{run}"
    dsns = await provision.create_database(admin, database, role_prefix=f"{run}_")
    layout = TopicLayout(f"{run}.")
    await provision.create_topics(kafka, layout, list(reference.agencies()), partitions=3)
    env = TestEnv(kafka, admin, database, dsns, layout.prefix)
    try:
        yield env
    finally:
        if not os.environ.get("SLRT_KEEP_TEST_DATA"):
            await provision.delete_topics(kafka, layout.prefix)
            await asyncio.sleep(0.5)
            await provision.drop_database(admin, database, role_prefix=f"{run}_")
