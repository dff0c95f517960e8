"""Fixtures shared by every test layer: a real Kafka and Postgres, isolated per test session."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
import pytest_asyncio

if TYPE_CHECKING:
    from slrt_devstack.fixtures import ScratchStack
    from slrt_devstack.infra import Endpoints

ROOT = Path(__file__).parent


@pytest.fixture(scope="session")
def infra() -> Iterator[Endpoints]:
    """Kafka and Postgres: from the environment, testcontainers, or the local stack."""
    from slrt_devstack.infra import ensure_infra

    yield ensure_infra(ROOT)


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def test_env(infra: Endpoints) -> AsyncIterator[ScratchStack]:
    """A database with one role per service, and topics under a prefix, for this session only."""
    from slrt_devstack.fixtures import scratch_stack

    async with scratch_stack(infra.database_url, infra.kafka_bootstrap_servers, "t") as env:
        yield env


@pytest.fixture
def observed() -> Iterator[None]:
    """Pools opened during the test log their statements for `testing.counting_statements`."""
    from slrt_devstack.testing import log_statements_of_new_pools

    undo = log_statements_of_new_pools()
    yield
    undo()
