"""The four services as separate processes against the session's Kafka and Postgres."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any

import pytest

from slrt_devstack import credentials, processes, services
from slrt_devstack.paths import StackPaths

REGENCY = "32.15"


@dataclass
class Platform:
    """Base URLs of the running services and the demo credentials they accept."""

    urls: dict[str, str]
    creds: dict[str, Any]

    def operator(self, village: str) -> dict[str, str]:
        """Headers of the operator of a village."""
        return {"Authorization": f"Bearer {self.creds['operators'][village]}"}

    def agency(self, code: str) -> dict[str, str]:
        """Headers of an agency."""
        return {"Authorization": f"Bearer {self.creds['agencies'][code]}"}

    def district(self) -> dict[str, str]:
        """Headers of the district staff."""
        return {"Authorization": f"Bearer {self.creds['district'][REGENCY]}"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def platform(test_env, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Platform]:  # type: ignore[no-untyped-def]
    """Seed and start intake, referral, agency-gateway and monitoring; stop them after."""
    paths = StackPaths(tmp_path_factory.mktemp("platform"))
    creds_file = paths.local / "credentials.json"
    creds = credentials.ensure(creds_file, REGENCY)
    specs = [replace(spec, port=_free_port()) for spec in services.SERVICES]
    try:
        for spec in specs:
            env = services.service_env(
                spec,
                test_env.dsns[spec.schema],
                test_env.kafka_bootstrap_servers,
                creds["admin"],
                test_env.topic_prefix,
            )
            services.seed(spec, env, creds_file, REGENCY)
            services.start(paths, spec, env)
        yield Platform({spec.name: spec.url for spec in specs}, creds)
    finally:
        for spec in specs:
            processes.stop(paths, spec.name)


def _eventually(probe, timeout: float = 30, interval: float = 0.25):  # type: ignore[no-untyped-def]
    """Poll until the probe returns something truthy; return it."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = probe()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"not reached in {timeout}s; last value: {json.dumps(last, default=str)}")


@pytest.fixture
def eventually():  # type: ignore[no-untyped-def]
    """Poll a probe until it returns something truthy."""
    return _eventually
