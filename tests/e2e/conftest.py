"""The four services as separate processes against the session's Kafka and Postgres."""

from __future__ import annotations

import json
import os
import signal
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any

import httpx
import pytest

from slrt_devstack import credentials, processes, services
from slrt_devstack.otlp_receiver import OtlpReceiver
from slrt_devstack.paths import StackPaths

REGENCY = "32.15"


@dataclass
class Platform:
    """Base URLs of the running services and the demo credentials they accept."""

    urls: dict[str, str]
    creds: dict[str, Any]
    paths: StackPaths
    specs: dict[str, services.ServiceSpec]
    envs: dict[str, dict[str, str]]

    def crash(self, service: str) -> None:
        """Kill a service with SIGKILL, as a power cut or an OOM kill would."""
        pid = processes.pid_of(self.paths, service)
        assert pid is not None, f"{service} is not running"
        os.killpg(pid, signal.SIGKILL)
        processes.stop(self.paths, service)

    def start(self, service: str) -> None:
        """Start a stopped service and wait until it is ready."""
        services.start(self.paths, self.specs[service], self.envs[service])

    def operator(self, village: str) -> dict[str, str]:
        """Headers of the operator of a village."""
        return {"Authorization": f"Bearer {self.creds['operators'][village]}"}

    def agency(self, code: str) -> dict[str, str]:
        """Headers of an agency."""
        return {"Authorization": f"Bearer {self.creds['agencies'][code]}"}

    def register(self, complaint: dict[str, Any]) -> dict[str, Any]:
        """Register a complaint as the operator of its village; return the accepted body."""
        response = httpx.post(
            f"{self.urls['intake']}/v1/complaints",
            json=complaint,
            headers={
                **self.operator(complaint["village_code"]),
                "Idempotency-Key": str(uuid.uuid4()),
            },
        )
        assert response.status_code == 201, response.text
        accepted: dict[str, Any] = response.json()
        return accepted

    def district(self) -> dict[str, str]:
        """Headers of the district staff."""
        return {"Authorization": f"Bearer {self.creds['district'][REGENCY]}"}


@pytest.fixture(scope="session")
def otlp() -> Iterator[OtlpReceiver]:
    """An OTLP/HTTP receiver every service of the platform exports its spans to."""
    receiver = OtlpReceiver().start()
    yield receiver
    receiver.stop()


@pytest.fixture(scope="session")
def platform(
    test_env, otlp: OtlpReceiver, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Platform]:  # type: ignore[no-untyped-def]
    """Seed and start intake, referral, agency-gateway and monitoring; stop them after."""
    paths = StackPaths(tmp_path_factory.mktemp("platform"))
    creds_file = paths.local / "credentials.json"
    creds = credentials.ensure(creds_file, REGENCY)
    specs = [replace(spec, port=processes.free_port()) for spec in services.SERVICES]
    envs = {
        spec.name: services.service_env(
            spec,
            test_env.dsns[spec.schema],
            test_env.kafka_bootstrap_servers,
            creds["admin"],
            test_env.topic_prefix,
        )
        for spec in specs
    }
    # Webhook retries in seconds rather than minutes, so retrying and parking can be watched.
    envs["agency-gateway"].update(
        {
            "GATEWAY_WEBHOOK_BACKOFF_SECONDS": "0.3",
            "GATEWAY_WEBHOOK_MAX_ATTEMPTS": "4",
            "GATEWAY_WEBHOOK_POLL_SECONDS": "0.2",
        }
    )
    envs["monitoring"]["MONITORING_RANKING_INTERVAL_SECONDS"] = "1"
    # The tests send far more from one Puskesos than a person could; the limit has its own test.
    envs["intake"]["INTAKE_RATE_LIMIT_PER_MINUTE"] = "0"
    for env in envs.values():
        env.update({"OTEL_EXPORTER_OTLP_ENDPOINT": otlp.endpoint, "OTEL_BSP_SCHEDULE_DELAY": "200"})
    try:
        for spec in specs:
            services.seed(spec, envs[spec.name], creds_file, REGENCY)
            services.start(paths, spec, envs[spec.name])
        yield Platform(
            {spec.name: spec.url for spec in specs},
            creds,
            paths,
            {spec.name: spec for spec in specs},
            envs,
        )
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
