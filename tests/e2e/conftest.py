"""The four services as separate processes against the session's Kafka and Postgres.

`platform` runs one process of each service on the session's database and topics. `district`
(for the fault suite) runs the shape a district runs: several processes of every consuming
service in one consumer group, on a database and topics of its own with as many partitions as
the chart gives them. Its counts come from SLRT_FAULT_REPLICAS
(`intake=2,referral=3,agency-gateway=5,monitoring=2` by default) and SLRT_FAULT_PARTITIONS (12).
"""

from __future__ import annotations

import itertools
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field, replace
from typing import Any

import httpx
import pytest
import pytest_asyncio

from slrt_devstack import credentials, processes, services
from slrt_devstack.fixtures import ScratchStack, scratch_stack
from slrt_devstack.otlp_receiver import OtlpReceiver
from slrt_devstack.paths import StackPaths

REGENCY = "32.15"
DISTRICT_REPLICAS = "intake=2,referral=3,agency-gateway=5,monitoring=2"
DISTRICT_PARTITIONS = 12


@dataclass
class Platform:
    """The running services: their processes, the demo credentials they accept, where they live.

    A service may run as several members of one consumer group. `url()` picks a member per
    request, as a Kubernetes Service would; a member killed stays among the endpoints until
    the one that replaces it is ready (as it would until its readiness probe fails), so a
    client really meets the crash.
    """

    creds: dict[str, Any]
    paths: StackPaths
    env: ScratchStack  # the session's or a district's database and topics
    specs: dict[str, services.ServiceSpec]  # each service as configured (its first member)
    envs: dict[str, dict[str, str]]
    members: dict[str, list[services.ServiceSpec]]
    stopped: dict[str, list[services.ServiceSpec]] = field(default_factory=dict)
    injected: set[str] = field(default_factory=set)  # markers of bad records put on topics
    _endpoints: dict[str, list[str]] = field(default_factory=dict)
    _turn: Any = field(default_factory=itertools.count)
    _numbers: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._refresh_endpoints()
        for service, running in self.members.items():
            self._numbers[service] = max(m.member for m in running)

    @property
    def urls(self) -> dict[str, str]:
        """One base URL per service: its first running member's."""
        return {
            service: (self.members[service] or self.stopped.get(service) or [spec])[0].url
            for service, spec in self.specs.items()
        }

    def url(self, service: str) -> str:
        """The base URL of one of the service's endpoints, in turn."""
        endpoints = self._endpoints[service]
        return endpoints[next(self._turn) % len(endpoints)]

    def cli(self, service: str, *args: str) -> str:
        """Run `python -m <service's package> ...` with its environment, as its admin would."""
        return subprocess.run(
            [sys.executable, "-m", self.specs[service].package, *args],
            env=self.envs[service],
            capture_output=True,
            text=True,
            check=True,
        ).stdout

    def crash(self, service: str, member: int = 0) -> str:
        """Kill a running member with SIGKILL, as a power cut or an OOM kill would; its name."""
        assert self.members[service], f"{service} is not running"
        victim = self.members[service].pop(member)
        assert processes.kill(self.paths, victim.process), f"{victim.process} was not running"
        self.stopped.setdefault(service, []).append(victim)
        return victim.process

    def start(self, service: str) -> None:
        """Start the service's stopped members again (same names, same ports); wait for them."""
        again = self.stopped.pop(service, [])
        services.start_all(self.paths, [(spec, self.envs[service]) for spec in again])
        self.members[service] += again
        self._refresh_endpoints()

    def join(self, service: str, *, wait: bool = True) -> str:
        """Start one more member of the service in its consumer group; its name."""
        self._numbers[service] = number = self._numbers[service] + 1
        spec = self.specs[service].as_member(number, processes.free_port())
        services.spawn(self.paths, spec, self.envs[service])
        self.members[service].append(spec)
        if wait:
            self.wait_ready()
        return spec.process

    def freeze(self, service: str) -> None:
        """Stop every member of the service dead (SIGSTOP), as a stalled node would."""
        for spec in self.members[service]:
            assert processes.send_signal(self.paths, spec.process, signal.SIGSTOP), spec.process

    def thaw(self, service: str) -> None:
        """Let the frozen members of the service go on (SIGCONT)."""
        for spec in self.members[service]:
            processes.send_signal(self.paths, spec.process, signal.SIGCONT)

    def wait_ready(self) -> None:
        """Wait until every running member is ready; only then are they the endpoints."""
        for running in self.members.values():
            for spec in running:
                services.wait_ready(self.paths, spec)
        self._refresh_endpoints()

    def stop(self) -> None:
        """Stop every member (thawed first, or SIGTERM would wait)."""
        for service in self.members:
            self.thaw(service)
        processes.stop_all(
            self.paths, [spec.process for running in self.members.values() for spec in running]
        )

    def operator(self, village: str) -> dict[str, str]:
        """Headers of the operator of a village."""
        return {"Authorization": f"Bearer {self.creds['operators'][village]}"}

    def agency(self, code: str) -> dict[str, str]:
        """Headers of an agency."""
        return {"Authorization": f"Bearer {self.creds['agencies'][code]}"}

    def register(self, complaint: dict[str, Any]) -> dict[str, Any]:
        """Register a complaint as the operator of its village; return the accepted body."""
        response = httpx.post(
            f"{self.url('intake')}/v1/complaints",
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

    def _refresh_endpoints(self) -> None:
        for service, running in self.members.items():
            if running:
                self._endpoints[service] = [m.url for m in running]


def _launch(
    env: ScratchStack,
    paths: StackPaths,
    replicas: dict[str, int],
    extra_env: dict[str, str],
    tuning: dict[str, dict[str, str]],
) -> Platform:
    """Seed each service once, start its members side by side, wait until all are ready."""
    creds_file = paths.local / "credentials.json"
    creds = credentials.ensure(creds_file, REGENCY)
    specs = {s.name: replace(s, port=processes.free_port()) for s in services.SERVICES}
    envs = {}
    for name, spec in specs.items():
        envs[name] = services.service_env(
            spec,
            env.dsns[spec.schema],
            env.kafka_bootstrap_servers,
            creds["admin"],
            env.topic_prefix,
        )
        envs[name].update({**extra_env, **tuning.get(name, {})})
    members: dict[str, list[services.ServiceSpec]] = {}
    for name, spec in specs.items():
        count = replicas.get(name, 1)
        members[name] = (
            [spec]
            if count == 1
            else [
                spec.as_member(n, spec.port if n == 1 else processes.free_port())
                for n in range(1, count + 1)
            ]
        )
    specs = {name: running[0] for name, running in members.items()}
    for name, spec in specs.items():
        services.seed(spec, envs[name], creds_file, REGENCY)
    platform = Platform(creds, paths, env, specs, envs, members)
    try:
        services.start_all(
            paths, [(m, envs[name]) for name, running in members.items() for m in running]
        )
    except BaseException:
        platform.stop()
        raise
    return platform


# The secret of the keyed hash under which access and erasure requests are logged.
SUBJECT_KEY = "e2e-subject-hash-key"

# Webhook retries in seconds rather than minutes, so retrying and parking can be watched;
# rankings every second; no rate limit: the tests send far more from one Puskesos than a
# person could (the limit has its own test).
TUNING = {
    "agency-gateway": {
        "GATEWAY_WEBHOOK_BACKOFF_SECONDS": "0.3",
        "GATEWAY_WEBHOOK_MAX_ATTEMPTS": "4",
        "GATEWAY_WEBHOOK_POLL_SECONDS": "0.2",
        "GATEWAY_SUBJECT_HASH_KEY": SUBJECT_KEY,
    },
    "monitoring": {"MONITORING_RANKING_INTERVAL_SECONDS": "1"},
    "intake": {"INTAKE_RATE_LIMIT_PER_MINUTE": "0", "INTAKE_SUBJECT_HASH_KEY": SUBJECT_KEY},
}


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
    tracing = {"OTEL_EXPORTER_OTLP_ENDPOINT": otlp.endpoint, "OTEL_BSP_SCHEDULE_DELAY": "200"}
    running = _launch(test_env, paths, {}, tracing, TUNING)
    try:
        yield running
    finally:
        running.stop()


def district_replicas() -> dict[str, int]:
    """Processes per service for the district's shape (SLRT_FAULT_REPLICAS)."""
    text = os.environ.get("SLRT_FAULT_REPLICAS") or DISTRICT_REPLICAS
    counts = {}
    for item in text.split(","):
        service, _, count = item.partition("=")
        if service.strip() not in {s.name for s in services.SERVICES} or int(count) < 1:
            raise pytest.UsageError(f"SLRT_FAULT_REPLICAS: bad item {item!r}")
        counts[service.strip()] = int(count)
    return counts


def district_partitions() -> int:
    """Partitions of every event and agency topic of the district (SLRT_FAULT_PARTITIONS)."""
    return int(os.environ.get("SLRT_FAULT_PARTITIONS") or DISTRICT_PARTITIONS)


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def district(infra, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Platform]:  # type: ignore[no-untyped-def]
    """Several members of every service in one group each, on a database and topics of their own.

    Referral escalates every half second here: the fault tests make referrals overdue and
    watch their escalations go through.
    """
    tuning = {
        **TUNING,
        "referral": {"REFERRAL_ESCALATION_INTERVAL_SECONDS": "0.5"},
    }
    paths = StackPaths(tmp_path_factory.mktemp("district"))
    async with scratch_stack(
        infra.database_url, infra.kafka_bootstrap_servers, "d", partitions=district_partitions()
    ) as env:
        running = _launch(env, paths, district_replicas(), {}, tuning)
        try:
            yield running
        finally:
            running.stop()


def referrals_of(platform: Platform, agency: str, complaint_id: str) -> list[dict[str, Any]]:
    """The agency's referrals of the complaint, as the gateway lists them to the agency."""
    answer = httpx.get(
        f"{platform.urls['agency-gateway']}/v1/referrals",
        headers=platform.agency(agency),
        params={"limit": 200},
    )
    assert answer.status_code == 200, answer.text
    return [r for r in answer.json()["items"] if r["complaint_id"] == complaint_id]


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
