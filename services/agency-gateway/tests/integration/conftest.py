"""A running agency gateway on a database and topic set of its own, beside the session's."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass

import asyncpg
import httpx
import pytest_asyncio

from gateway.app import build
from gateway.entrypoints import cli_seed as seed
from gateway.settings import GatewaySettings
from slrt_shared import reference
from slrt_shared.contracts.topics import TopicLayout
from slrt_shared.tokens import new_token

# The tests' webhook receivers listen on 127.0.0.1 over plain http, as in local development.
LOCAL_RECEIVERS = {"webhook_allow_http": True, "webhook_allow_loopback": True}


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
    """Seed and run the gateway (consumers, outbox relay) with the ASGI app to call.

    Its own database and topic prefix keep these events away from the other services that the
    end-to-end tests run on the session's topics.
    """
    from slrt_devstack import provision

    run = "g" + secrets.token_hex(4)
    dsns = await provision.create_database(test_env.admin_url, f"slrt_{run}", role_prefix=f"{run}_")
    layout = TopicLayout(f"{test_env.topic_prefix}{run}.")
    await provision.create_topics(
        test_env.kafka_bootstrap_servers, layout, list(reference.agencies()), partitions=3
    )
    keys = {code: new_token("ak_") for code in reference.agencies()}
    settings = GatewaySettings(
        database_url=dsns["gateway"],
        kafka_bootstrap_servers=test_env.kafka_bootstrap_servers,
        topic_prefix=layout.prefix,
        log_json=False,
        **LOCAL_RECEIVERS,
    )
    runtime, app = build(settings)
    await runtime.migrate()
    conn = await asyncpg.connect(dsns["gateway"])
    try:
        async with conn.transaction():
            await seed.load(conn, {"agencies": keys}, "32.15")
            await seed.load(conn, {"agencies": keys}, "32.15")  # the seed is idempotent
    finally:
        await conn.close()
    try:
        async with runtime.running():
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as http:
                yield Gateway(http, layout, test_env.kafka_bootstrap_servers, dsns["gateway"], keys)
    finally:
        await provision.delete_topics(test_env.kafka_bootstrap_servers, layout.prefix)
        await provision.drop_database(test_env.admin_url, f"slrt_{run}", role_prefix=f"{run}_")


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
    from slrt_devstack import provision
    from slrt_shared import db

    run = "w" + secrets.token_hex(4)
    database = f"slrt_{run}"
    dsns = await provision.create_database(test_env.admin_url, database, role_prefix=f"{run}_")
    keys = {code: new_token("ak_") for code in reference.agencies()}
    runtime, _ = build(GatewaySettings(database_url=dsns["gateway"], log_json=False))
    await runtime.migrate()
    pool = await db.create_pool(dsns["gateway"], "gateway")
    try:
        async with pool.acquire() as conn, conn.transaction():
            await seed.load(conn, {"agencies": keys}, "32.15")
        yield GatewayDb(dsns["gateway"], test_env.admin_url, database, pool, keys)
    finally:
        await pool.close()
        await provision.drop_database(test_env.admin_url, database, role_prefix=f"{run}_")
