"""A running agency gateway on a database and topic set of its own, beside the session's."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timedelta

import asyncpg
import httpx
import pytest_asyncio

from gateway.app import MIGRATIONS, build
from gateway.domain.referrals import Referral
from gateway.entrypoints import cli_seed as seed
from gateway.settings import GatewaySettings
from slrt_devstack import fixtures
from slrt_shared import reference
from slrt_shared.contracts.topics import TopicLayout
from slrt_shared.tokens import new_token

# The tests' webhook receivers listen on 127.0.0.1 over plain http, as in local development.
LOCAL_RECEIVERS = {"webhook_allow_http": True, "webhook_allow_loopback": True}
NAME = "agency-gateway"  # the service's name, under which its migrations are recorded


@dataclass(frozen=True)
class Gateway:
    """The gateway under test: its HTTP client, its topics, its database and the agencies' keys."""

    http: httpx.AsyncClient
    layout: TopicLayout
    kafka_bootstrap_servers: str
    dsn: str
    keys: dict[str, str]

    def agency(self, code: str) -> dict[str, str]:
        """Authorization header of an agency."""
        return {"Authorization": f"Bearer {self.keys[code]}"}


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def gateway(test_env) -> AsyncIterator[Gateway]:  # type: ignore[no-untyped-def]
    """Seed (twice: the seed is idempotent) and run the gateway with the ASGI app to call.

    Its own database and topic prefix keep these events away from the other services that the
    end-to-end tests run on the session's topics.
    """
    keys = {code: new_token("ak_") for code in reference.agencies()}
    async with test_env.beside("g") as stack:
        dsn = stack.dsn("gateway")
        runtime, app = build(GatewaySettings(**stack.settings("gateway"), **LOCAL_RECEIVERS))
        await runtime.migrate()
        for _ in range(2):
            await fixtures.seed(dsn, "gateway", seed.load, {"agencies": keys}, fixtures.REGENCY)
        async with fixtures.running_service(runtime, app, "gateway") as http:
            yield Gateway(http, stack.layout, stack.kafka_bootstrap_servers, dsn, keys)


@dataclass(frozen=True)
class GatewayDb:
    """A migrated, seeded gateway database of a test's own (no Kafka, no running service)."""

    dsn: str
    admin_url: str
    database: str
    pool: asyncpg.Pool
    keys: dict[str, str]

    def settings(self, **overrides: object) -> GatewaySettings:
        """Gateway settings on this database (receivers on 127.0.0.1 allowed unless overridden)."""
        return GatewaySettings(  # type: ignore[arg-type]
            database_url=self.dsn, log_json=False, **{**LOCAL_RECEIVERS, **overrides}
        )


@pytest_asyncio.fixture(loop_scope="session")
async def gateway_db(test_env) -> AsyncIterator[GatewayDb]:  # type: ignore[no-untyped-def]
    """A fresh gateway database, seeded with the agencies and a key for each."""
    keys = {code: new_token("ak_") for code in reference.agencies()}
    async with fixtures.scratch_schema(
        test_env.admin_url, "w", "gateway", MIGRATIONS, seed.load, {"agencies": keys}, name=NAME
    ) as scratch:
        yield GatewayDb(scratch.dsn, test_env.admin_url, scratch.database.name, scratch.pool, keys)


def stored_referral(service: str, agency: str, at: datetime) -> Referral:
    """A referral as the gateway keeps it once dispatched at `at` (due a week later)."""
    return Referral(
        id=uuid.uuid4(),
        complaint_id=uuid.uuid4(),
        ticket="SLRT-2506-AB12",
        village_code="32.15.02.2001",
        service_code=service,
        agency_code=agency,
        attempt=1,
        status="dispatched",
        dispatched_at=at,
        due_at=at + timedelta(days=7),
        updated_at=at,
    )
