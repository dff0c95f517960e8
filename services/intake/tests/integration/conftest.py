"""A running intake on a database and topic set of its own, seeded by its own `seed` command."""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import subprocess
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import pytest_asyncio

from intake.app import build
from intake.settings import IntakeSettings
from slrt_shared import reference
from slrt_shared.contracts.topics import TopicLayout
from slrt_shared.tokens import new_token

VILLAGE = "32.15.02.2001"
OTHER_VILLAGE = "32.15.02.2002"
REGENCY = "32.15"


@dataclass(frozen=True)
class Intake:
    """The intake under test: its HTTP client, topics, database and the demo tokens."""

    http: httpx.AsyncClient
    layout: TopicLayout
    kafka_bootstrap_servers: str
    dsn: str
    credentials: dict[str, dict[str, str]]

    def operator(self, village: str = VILLAGE) -> dict[str, str]:
        """Authorization header of a village's operator."""
        return {"Authorization": f"Bearer {self.credentials['operators'][village]}"}

    def district(self) -> dict[str, str]:
        """Authorization header of the regency's district staff."""
        return {"Authorization": f"Bearer {self.credentials['district'][REGENCY]}"}


def seed(dsn: str, credentials_file: Path) -> subprocess.CompletedProcess[str]:
    """Run `python -m intake seed` as `make up` does."""
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "intake",
            "seed",
            "--credentials",
            str(credentials_file),
            "--regency",
            REGENCY,
        ],
        env={**os.environ, "INTAKE_DATABASE_URL": dsn, "INTAKE_LOG_JSON": "false"},
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def intake(test_env, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Intake]:  # type: ignore[no-untyped-def]
    """Seed (twice: the seed is idempotent) and run intake with the ASGI app to call.

    Its own database and topic prefix keep its consumer group and events apart from the
    end-to-end tests, which run the four services on the session's topics.
    """
    from slrt_devstack import provision

    run = "i" + secrets.token_hex(4)
    dsns = await provision.create_database(test_env.admin_url, f"slrt_{run}", role_prefix=f"{run}_")
    layout = TopicLayout(f"{test_env.topic_prefix}{run}.")
    await provision.create_topics(
        test_env.kafka_bootstrap_servers, layout, list(reference.agencies()), partitions=3
    )
    credentials = {
        "operators": {v: new_token("op_") for v in (VILLAGE, OTHER_VILLAGE)},
        "district": {REGENCY: new_token("ds_")},
    }
    credentials_file = tmp_path_factory.mktemp("intake") / "credentials.json"
    credentials_file.write_text(json.dumps(credentials))
    for _ in range(2):
        await asyncio.to_thread(seed, dsns["intake"], credentials_file)
    settings = IntakeSettings(
        database_url=dsns["intake"],
        kafka_bootstrap_servers=test_env.kafka_bootstrap_servers,
        topic_prefix=layout.prefix,
        log_json=False,
    )
    runtime, app = build(settings)
    try:
        async with runtime.running():
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://intake") as http:
                yield Intake(
                    http, layout, test_env.kafka_bootstrap_servers, dsns["intake"], credentials
                )
    finally:
        if not os.environ.get("SLRT_KEEP_TEST_DATA"):
            await provision.delete_topics(test_env.kafka_bootstrap_servers, layout.prefix)
            await provision.drop_database(test_env.admin_url, f"slrt_{run}", role_prefix=f"{run}_")
