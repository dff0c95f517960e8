"""Find or start a Kafka broker and a Postgres server for the stack and the tests."""

from __future__ import annotations

import atexit
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from slrt_devstack import kafka, postgres
from slrt_devstack.paths import StackPaths, repo_root


@dataclass(frozen=True)
class Endpoints:
    """Where Kafka and Postgres (an admin URL) answer."""

    kafka_bootstrap_servers: str
    database_url: str


def ensure_infra(root: Path | None = None) -> Endpoints:
    """Use KAFKA_BOOTSTRAP_SERVERS / DATABASE_URL, else testcontainers, else the local stack."""
    paths = StackPaths(root or repo_root())
    bootstrap = os.environ.get("KAFKA_BOOTSTRAP_SERVERS")
    database = os.environ.get("DATABASE_URL")
    if bootstrap is None or database is None:
        if _docker_answers():
            bootstrap = bootstrap or _kafka_container()
            database = database or _postgres_container()
        else:
            bootstrap = bootstrap or kafka.start(paths)
            database = database or postgres.start(paths)
    return Endpoints(bootstrap, database)


def _docker_answers() -> bool:
    if os.environ.get("SLRT_NO_DOCKER") or shutil.which("docker") is None:
        return False
    try:
        return subprocess.run(["docker", "info"], capture_output=True, timeout=10).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def _kafka_container() -> str:
    from testcontainers.kafka import KafkaContainer

    container = KafkaContainer().with_kraft()
    container.start()
    atexit.register(container.stop)
    return str(container.get_bootstrap_server())


def _postgres_container() -> str:
    from testcontainers.postgres import PostgresContainer

    container = PostgresContainer("postgres:16-alpine", driver=None)
    container.start()
    atexit.register(container.stop)
    return str(container.get_connection_url())
