"""Postgres pool bound to one service's schema, and the numbered-SQL migrations runner."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from pathlib import Path

import asyncpg

log = logging.getLogger(__name__)

SHARED_MIGRATIONS = Path(__file__).parent / "migrations"
_MIGRATION_NAME = re.compile(r"^(\d{3})_[a-z0-9_]+\.sql$")
_SCHEMA_NAME = re.compile(r"^[a-z_][a-z0-9_]*$")


async def create_pool(
    dsn: str, schema: str, *, min_size: int = 1, max_size: int = 10
) -> asyncpg.Pool:
    """Open a pool whose connections see only the given schema."""
    _check_schema(schema)
    pool = await asyncpg.create_pool(
        dsn,
        min_size=min_size,
        max_size=max_size,
        # No JIT: compiling a query whose plan costs over `jit_above_cost` took 170 to 210 ms
        # of monitoring's agency tallies at national scale, more than it ever saved them.
        server_settings={
            "search_path": schema,
            "application_name": f"slrt-{schema}",
            "jit": "off",
        },
        reset=_keep_session,
    )
    assert pool is not None
    return pool


async def _keep_session(_: asyncpg.Connection) -> None:
    """Return a connection to the pool as it is.

    asyncpg still rolls back an open transaction and drops listeners; the platform sets no
    session state and takes transaction-scoped advisory locks (the outbox relay's session
    locks are unlocked before their connections go back), so the default reset (a round trip of
    UNLISTEN, RESET ALL and more on every release) would change nothing.
    """


@dataclass(frozen=True)
class Migration:
    """One numbered SQL file of a component."""

    component: str
    version: int
    name: str
    sql: str


def load_migrations(component: str, directory: Path) -> list[Migration]:
    """Read a folder of `NNN_name.sql` files in order."""
    found = []
    for path in sorted(directory.glob("*.sql")):
        match = _MIGRATION_NAME.match(path.name)
        if not match:
            raise ValueError(f"migration file name must look like 001_name.sql: {path}")
        found.append(Migration(component, int(match.group(1)), path.stem, path.read_text()))
    versions = [m.version for m in found]
    if len(set(versions)) != len(versions):
        raise ValueError(f"duplicate migration numbers in {directory}")
    return found


async def migrate(dsn: str, schema: str, component: str, directory: Path) -> list[str]:
    """Apply the shared messaging tables and a service's migrations to its schema, once each."""
    _check_schema(schema)
    pending = load_migrations("slrt_shared", SHARED_MIGRATIONS) + load_migrations(
        component, directory
    )
    conn = await asyncpg.connect(dsn, server_settings={"search_path": schema})
    applied: list[str] = []
    try:
        # Serialises concurrent replicas starting at once; the lock key is per schema.
        await conn.execute("SELECT pg_advisory_lock(hashtext($1))", f"migrate:{schema}")
        await conn.execute(
            f"""CREATE TABLE IF NOT EXISTS {schema}.schema_migrations (
                component text NOT NULL, version int NOT NULL, name text NOT NULL,
                applied_at timestamptz NOT NULL DEFAULT now(),
                PRIMARY KEY (component, version))"""
        )
        done = {
            (r["component"], r["version"])
            for r in await conn.fetch(f"SELECT component, version FROM {schema}.schema_migrations")
        }
        for m in pending:
            if (m.component, m.version) in done:
                continue
            async with conn.transaction():
                await conn.execute(m.sql)
                await conn.execute(
                    f"INSERT INTO {schema}.schema_migrations (component, version, name)"
                    " VALUES ($1, $2, $3)",
                    m.component,
                    m.version,
                    m.name,
                )
            applied.append(f"{m.component}/{m.name}")
            log.info("applied migration %s/%s to schema %s", m.component, m.name, schema)
    finally:
        await conn.execute("SELECT pg_advisory_unlock(hashtext($1))", f"migrate:{schema}")
        await conn.close()
    return applied


def _check_schema(schema: str) -> None:
    if not _SCHEMA_NAME.match(schema):
        raise ValueError(f"invalid schema name {schema!r}")
