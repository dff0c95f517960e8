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


def pytest_addoption(parser: pytest.Parser) -> None:
    """`--faults skip|only`: leave out, or run only, the tests that restart Kafka and Postgres."""
    parser.addoption(
        "--faults",
        choices=("all", "skip", "only"),
        default="all",
        help="skip: leave out the fault tests (-m fault); only: run just them (default: all)",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Keep or drop the fault tests as `--faults` says."""
    choice = config.getoption("faults")
    if choice == "all":
        return
    keep = choice == "only"
    kept = [i for i in items if (i.get_closest_marker("fault") is not None) == keep]
    dropped = [i for i in items if (i.get_closest_marker("fault") is not None) != keep]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


def pytest_configure(config: pytest.Config) -> None:
    """With workers (`-n`), start Kafka and Postgres once, before the workers, and share them."""
    workers = config.getoption("numprocesses", default=None)
    if not workers or hasattr(config, "workerinput"):
        return
    import os

    from slrt_devstack.infra import ensure_infra

    # Two workers starting the local stack at once would race for its ports; each worker reads
    # the endpoints from the environment it inherits instead.
    endpoints = ensure_infra(ROOT)
    os.environ["KAFKA_BOOTSTRAP_SERVERS"] = endpoints.kafka_bootstrap_servers
    os.environ["DATABASE_URL"] = endpoints.database_url


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
