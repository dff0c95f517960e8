"""A running intake on a database and topic set of its own, seeded by its own `seed` command."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx
import pytest
import pytest_asyncio

from intake.app import build
from intake.settings import IntakeSettings
from slrt_devstack import fixtures
from slrt_shared.contracts.events import ReferralDispatched
from slrt_shared.contracts.topics import TopicLayout
from slrt_shared.tokens import new_token

VILLAGE = "32.15.02.2001"
OTHER_VILLAGE = "32.15.02.2002"
REGENCY = fixtures.REGENCY
CODE_KEY = "rck_" + "7" * 40  # the secret of the residents' codes' hashes in these tests


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


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def intake(test_env, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Intake]:  # type: ignore[no-untyped-def]
    """Seed (twice: the seed is idempotent) and run intake with the ASGI app to call.

    Its own database and topic prefix keep its consumer group and events apart from the
    end-to-end tests, which run the four services on the session's topics.
    """
    credentials = {
        "operators": {v: new_token("op_") for v in (VILLAGE, OTHER_VILLAGE)},
        "district": {REGENCY: new_token("ds_")},
    }
    folder = tmp_path_factory.mktemp("intake")
    async with test_env.beside("i") as stack:
        dsn = stack.dsn("intake")
        for _ in range(2):
            await fixtures.seed_by_command("intake", dsn, credentials, REGENCY, folder)
        settings = IntakeSettings(**stack.settings("intake"), resident_code_key=CODE_KEY)
        runtime, app = build(settings)
        async with fixtures.running_service(runtime, app, "intake") as http:
            yield Intake(http, stack.layout, stack.kafka_bootstrap_servers, dsn, credentials)


def dispatch_of(
    referral_id: uuid.UUID,
    complaint_id: uuid.UUID,
    ticket: str,
    at: datetime,
    service: str = "JKN-PBI",
    agency: str = "BPJSKES",
    due_in: timedelta = timedelta(days=5),
) -> ReferralDispatched:
    """Referral's first dispatch of a complaint of VILLAGE, at `at`."""
    return ReferralDispatched(
        referral_id=referral_id,
        complaint_id=complaint_id,
        ticket=ticket,
        village_code=VILLAGE,
        service_code=service,
        agency_code=agency,
        attempt=1,
        dispatched_at=at,
        due_at=at + due_in,
    )
