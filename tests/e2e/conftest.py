"""The four services as separate processes against the session's Kafka and Postgres."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from slrt_devstack import credentials

REGENCY = "32.15"
SERVICES = {  # service -> (python package, env prefix)
    "intake": ("intake", "INTAKE"),
    "referral": ("referral", "REFERRAL"),
    "agency-gateway": ("gateway", "GATEWAY"),
    "monitoring": ("monitoring", "MONITORING"),
}


@dataclass
class Platform:
    """Base URLs of the running services and the demo credentials they accept."""

    urls: dict[str, str]
    creds: dict[str, Any]
    logs: Path

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
    work = tmp_path_factory.mktemp("platform")
    creds_file = work / "credentials.json"
    creds = credentials.ensure(creds_file, REGENCY)
    urls: dict[str, str] = {}
    processes: list[tuple[str, subprocess.Popen[bytes]]] = []
    try:
        for service, (package, prefix) in SERVICES.items():
            port = _free_port()
            env = {
                **os.environ,
                **test_env.service_env(service),
                f"{prefix}_HTTP_PORT": str(port),
                f"{prefix}_LOG_JSON": "true",
                "SLRT_ADMIN_TOKEN": creds["admin"],
            }
            subprocess.run(
                [
                    sys.executable,
                    "-m",
                    package,
                    "seed",
                    "--credentials",
                    str(creds_file),
                    "--regency",
                    REGENCY,
                ],
                env=env,
                check=True,
                timeout=120,
            )
            log = (work / f"{service}.log").open("wb")
            proc = subprocess.Popen(
                [sys.executable, "-m", package, "serve"],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
            processes.append((service, proc))
            urls[service] = f"http://127.0.0.1:{port}"
        for service, proc in processes:
            _wait_ready(service, urls[service], proc, work / f"{service}.log")
        yield Platform(urls, creds, work)
    finally:
        for _, proc in processes:
            proc.terminate()
        for _, proc in processes:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()


def _wait_ready(service: str, url: str, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{service} exited:\n{log.read_text()[-4000:]}")
        try:
            if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"{service} not ready in time:\n{log.read_text()[-4000:]}")


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
