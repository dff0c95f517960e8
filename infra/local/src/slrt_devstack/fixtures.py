"""Integration-test building blocks written once: scratch database, topics, seed, running service.

Each is an async context manager (or a plain call), free of pytest, so a service's conftest wraps
it in a fixture of the scope it needs. A running service gets a stack of its own beside the
session's (its database, and topics under the session's prefix):

    async with test_env.beside("i") as stack:
        runtime, app = build(IntakeSettings(**stack.settings("intake")))
        async with running_service(runtime, app, "intake") as http:
            ...

A use case or adapter test gets a migrated (and seeded) schema with a pool on it:

    async with scratch_schema(test_env.admin_url, "r", "referral", MIGRATIONS, seed.load) as s:
        ...  # s.pool, s.dsn

Everything made is removed on exit unless `SLRT_KEEP_TEST_DATA` is set (to look at it after).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import secrets
import subprocess
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import asyncpg
import httpx

from slrt_devstack import provision
from slrt_devstack.services import SERVICES, ServiceSpec
from slrt_shared import db, reference
from slrt_shared.contracts.topics import TopicLayout

if TYPE_CHECKING:
    from fastapi import FastAPI

    from slrt_shared.runtime import ServiceRuntime

KEEP = "SLRT_KEEP_TEST_DATA"
REGENCY = "32.15"  # the regency the local stack and the tests seed
Loader = Callable[[asyncpg.Connection, dict[str, Any], str], Awaitable[None]]


def keep_test_data() -> bool:
    """Tell whether the run asked to keep its databases and topics."""
    return bool(os.environ.get(KEEP))


@dataclass(frozen=True)
class ScratchDatabase:
    """A database of a test's own, with one role and schema per service (as the stack has)."""

    admin_url: str
    name: str
    run: str
    dsns: dict[str, str]

    def dsn(self, schema: str) -> str:
        """DSN of a service's role (its schema only)."""
        return self.dsns[schema]


@contextlib.asynccontextmanager
async def scratch_database(admin_url: str, tag: str) -> AsyncIterator[ScratchDatabase]:
    """Create `slrt_<tag><random>` with every service's role; drop it and the roles after."""
    run = tag + secrets.token_hex(4)
    name = f"slrt_{run}"
    dsns = await provision.create_database(admin_url, name, role_prefix=f"{run}_")
    try:
        yield ScratchDatabase(admin_url, name, run, dsns)
    finally:
        if not keep_test_data():
            await provision.drop_database(admin_url, name, role_prefix=f"{run}_")


@contextlib.asynccontextmanager
async def scratch_topics(
    bootstrap: str, base_prefix: str, run: str, partitions: int = 3
) -> AsyncIterator[TopicLayout]:
    """Every platform topic (and each agency's) under `<base_prefix><run>.`; deleted after."""
    layout = TopicLayout(f"{base_prefix}{run}.")
    await provision.create_topics(bootstrap, layout, list(reference.agencies()), partitions)
    try:
        yield layout
    finally:
        if not keep_test_data():
            await provision.delete_topics(bootstrap, layout.prefix)


@dataclass(frozen=True)
class ScratchStack:
    """A scratch database with every service's role, and every topic under a prefix of its own."""

    kafka_bootstrap_servers: str
    admin_url: str
    database: str
    run: str
    dsns: dict[str, str]
    layout: TopicLayout

    @property
    def topic_prefix(self) -> str:
        """The prefix of this stack's topics."""
        return self.layout.prefix

    @property
    def database_admin_url(self) -> str:
        """The admin URL, on this database."""
        return self.admin_url.rsplit("/", 1)[0] + f"/{self.database}"

    def dsn(self, schema: str) -> str:
        """DSN of a service's role (its schema only)."""
        return self.dsns[schema]

    def settings(self, schema: str) -> dict[str, Any]:
        """What a service's settings need to run on this stack: its DSN, the broker, the prefix."""
        return {
            "database_url": self.dsns[schema],
            "kafka_bootstrap_servers": self.kafka_bootstrap_servers,
            "topic_prefix": self.topic_prefix,
            "log_json": False,
        }

    def beside(self, tag: str, partitions: int = 3) -> AbstractAsyncContextManager[ScratchStack]:
        """Another stack on the same Kafka and Postgres, its topics under this one's prefix."""
        return scratch_stack(
            self.admin_url, self.kafka_bootstrap_servers, tag, self.topic_prefix, partitions
        )


@contextlib.asynccontextmanager
async def scratch_stack(
    admin_url: str, bootstrap: str, tag: str, base_prefix: str = "", partitions: int = 3
) -> AsyncIterator[ScratchStack]:
    """A scratch database and topics under `<base_prefix><run>.`; both removed after."""
    async with (
        scratch_database(admin_url, tag) as scratch,
        scratch_topics(bootstrap, base_prefix, scratch.run, partitions) as layout,
    ):
        yield ScratchStack(bootstrap, admin_url, scratch.name, scratch.run, scratch.dsns, layout)


@dataclass(frozen=True)
class ScratchSchema:
    """One service's schema in a scratch database, migrated (and seeded), with a pool on it."""

    database: ScratchDatabase
    schema: str
    pool: asyncpg.Pool = field(repr=False)

    @property
    def dsn(self) -> str:
        """DSN of the schema's role."""
        return self.database.dsn(self.schema)


@contextlib.asynccontextmanager
async def scratch_schema(
    admin_url: str,
    tag: str,
    schema: str,
    migrations: Path,
    load: Loader | None = None,
    credentials: dict[str, Any] | None = None,
    *,
    name: str | None = None,
) -> AsyncIterator[ScratchSchema]:
    """A scratch database whose `schema` is migrated and seeded (`load`, for REGENCY), pooled.

    `name` is the migrations' name in the ledger (the schema's by default).
    """
    async with scratch_database(admin_url, tag) as scratch:
        dsn = scratch.dsn(schema)
        await migrate(dsn, schema, name or schema, migrations)
        if load is not None:
            await seed(dsn, schema, load, credentials or {}, REGENCY)
        async with pool(dsn, schema) as opened:
            yield ScratchSchema(scratch, schema, opened)


async def migrate(dsn: str, schema: str, name: str, migrations: Path) -> list[str]:
    """Apply a service's migrations (and the shared messaging tables) to its schema."""
    return await db.migrate(dsn, schema, name, migrations)


def migrations_before(migrations: Path, number: int, folder: Path) -> Path:
    """A copy of the migrations numbered below `number`: a schema as it was before that one."""
    folder.mkdir(parents=True, exist_ok=True)
    for path in sorted(migrations.glob("*.sql")):
        if int(path.name.split("_", 1)[0]) < number:
            (folder / path.name).write_text(path.read_text())
    return folder


async def seed(
    dsn: str, schema: str, load: Loader, credentials: dict[str, Any], regency: str
) -> None:
    """Run a service's seed loader in one transaction on its schema, as `<pkg> seed` does."""
    conn = await asyncpg.connect(dsn, server_settings={"search_path": schema})
    try:
        async with conn.transaction():
            await load(conn, credentials, regency)
    finally:
        await conn.close()


def spec(package: str) -> ServiceSpec:
    """The local stack's description of a service, by its Python package."""
    return next(s for s in SERVICES if s.package == package)


async def seed_by_command(
    package: str, dsn: str, credentials: dict[str, Any], regency: str, folder: Path
) -> subprocess.CompletedProcess[str]:
    """Run `python -m <package> seed` in a process, as `make up` does, with these credentials."""
    service = spec(package)
    credentials_file = folder / f"{package}-credentials.json"
    credentials_file.write_text(json.dumps(credentials))
    command = [sys.executable, "-m", package, "seed"]
    command += ["--credentials", str(credentials_file), "--regency", regency]
    env = {
        **os.environ,
        f"{service.env_prefix}_DATABASE_URL": dsn,
        f"{service.env_prefix}_LOG_JSON": "false",
    }
    return await asyncio.to_thread(
        subprocess.run, command, env=env, capture_output=True, text=True, check=True, timeout=120
    )


@contextlib.asynccontextmanager
async def pool(dsn: str, schema: str) -> AsyncIterator[asyncpg.Pool]:
    """A pool on a service's schema, closed after."""
    opened = await db.create_pool(dsn, schema)
    try:
        yield opened
    finally:
        await opened.close()


@contextlib.asynccontextmanager
async def running_service(
    runtime: ServiceRuntime, app: FastAPI, name: str
) -> AsyncIterator[httpx.AsyncClient]:
    """Run a built service (consumers, relay, jobs) and give an HTTP client on its ASGI app."""
    async with runtime.running():
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url=f"http://{name}") as http:
            yield http
