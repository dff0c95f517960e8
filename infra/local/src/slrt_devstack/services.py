"""The four services as background processes: seed each, start it, wait until it is ready."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import httpx

from slrt_devstack import processes
from slrt_devstack.errors import StackError
from slrt_devstack.paths import StackPaths


@dataclass(frozen=True)
class ServiceSpec:
    """A service process: its name, Python package, schema, port and environment prefix.

    `member` numbers the processes of one service running side by side in one consumer group
    (0: the only one); each has a port, a pid file and a log of its own.
    """

    name: str
    package: str
    schema: str
    port: int
    env_prefix: str
    member: int = 0

    @property
    def url(self) -> str:
        """Base URL on this machine."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def process(self) -> str:
        """Name of the process (its pid and log files): the service's, numbered if a member."""
        return self.name if self.member == 0 else f"{self.name}-{self.member}"

    def as_member(self, number: int, port: int) -> ServiceSpec:
        """The same service as member `number` of several, listening on its own port."""
        return replace(self, member=number, port=port)


SERVICES = (
    ServiceSpec("intake", "intake", "intake", 8001, "INTAKE"),
    ServiceSpec("referral", "referral", "referral", 8002, "REFERRAL"),
    ServiceSpec("agency-gateway", "gateway", "gateway", 8003, "GATEWAY"),
    ServiceSpec("monitoring", "monitoring", "monitoring", 8004, "MONITORING"),
)


# What only a stack on one machine may relax: the gateway delivers webhooks to receivers on
# 127.0.0.1 over plain http (the demo's and the tests'). The chart sets neither.
LOCAL_ONLY = {
    "GATEWAY": {"GATEWAY_WEBHOOK_ALLOW_HTTP": "true", "GATEWAY_WEBHOOK_ALLOW_LOOPBACK": "true"},
    # The local stack issues residents' codes (a deployment sets a secret of its own).
    "INTAKE": {"INTAKE_RESIDENT_CODE_KEY": "local-resident-code-key"},
}


# The services that answer access and erasure requests, by the NIK's keyed hash.
SUBJECT_KEYED = ("INTAKE", "GATEWAY")


def service_env(
    spec: ServiceSpec,
    dsn: str,
    bootstrap: str,
    admin_token: str,
    topic_prefix: str = "",
    subject_hash_key: str | None = None,
) -> dict[str, str]:
    """Environment of one service process (the local-only settings unless the caller's own)."""
    subject = (
        {f"{spec.env_prefix}_SUBJECT_HASH_KEY": subject_hash_key}
        if subject_hash_key and spec.env_prefix in SUBJECT_KEYED
        else {}
    )
    return {
        **LOCAL_ONLY.get(spec.env_prefix, {}),
        **subject,
        **os.environ,
        f"{spec.env_prefix}_DATABASE_URL": dsn,
        f"{spec.env_prefix}_HTTP_PORT": str(spec.port),
        "KAFKA_BOOTSTRAP_SERVERS": bootstrap,
        "SLRT_TOPIC_PREFIX": topic_prefix,
        "SLRT_ADMIN_TOKEN": admin_token,
    }


def seed(spec: ServiceSpec, env: dict[str, str], credentials: Path, regency: str) -> None:
    """Apply the service's migrations and load its reference data and credentials."""
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            spec.package,
            "seed",
            "--credentials",
            str(credentials),
            "--regency",
            regency,
        ],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=180,
    )
    if result.returncode != 0:
        raise StackError(f"seeding {spec.name} failed:\n{result.stdout}{result.stderr}")


def start(paths: StackPaths, spec: ServiceSpec, env: dict[str, str]) -> None:
    """Start the service unless it runs; wait until /readyz answers 200."""
    spawn(paths, spec, env)
    wait_ready(paths, spec)


def start_all(paths: StackPaths, members: Sequence[tuple[ServiceSpec, dict[str, str]]]) -> None:
    """Start several processes side by side, then wait until each is ready."""
    for spec, env in members:
        spawn(paths, spec, env)
    for spec, _ in members:
        wait_ready(paths, spec)


def spawn(paths: StackPaths, spec: ServiceSpec, env: dict[str, str]) -> None:
    """Start the service's process unless it runs, on the spec's port; do not wait for it."""
    if processes.pid_of(paths, spec.process) is None:
        processes.start(
            paths,
            spec.process,
            [sys.executable, "-m", spec.package, "serve"],
            env={**env, f"{spec.env_prefix}_HTTP_PORT": str(spec.port)},
        )


def wait_ready(paths: StackPaths, spec: ServiceSpec, timeout: float = 90.0) -> None:
    """Wait for /readyz; fail with the end of the service's log if it exits or never is ready."""
    log = paths.logs / f"{spec.process}.log"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if processes.pid_of(paths, spec.process) is None:
            raise StackError(f"{spec.process} exited during start:\n{_tail(log)}")
        try:
            if httpx.get(f"{spec.url}/readyz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise StackError(f"{spec.process} was not ready after {timeout:.0f}s:\n{_tail(log)}")


def _tail(log: Path, lines: int = 30) -> str:
    try:
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
    except FileNotFoundError:
        return "(no log)"
