from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import pytest_asyncio

from slrt_shared import db

SCHEMA = "referral"  # any service schema: these tests use a database of their own


@dataclass(frozen=True)
class Scratch:
    dsn: str
    pool: asyncpg.Pool


@pytest_asyncio.fixture(loop_scope="session")
async def scratch(test_env, tmp_path: Path) -> AsyncIterator[Scratch]:  # type: ignore[no-untyped-def]
    """A fresh database whose `referral` schema holds the messaging tables and a `notes` table."""
    from slrt_devstack import provision

    run = "s" + secrets.token_hex(4)
    dsns = await provision.create_database(test_env.admin_url, f"slrt_{run}", role_prefix=f"{run}_")
    (tmp_path / "001_notes.sql").write_text("CREATE TABLE notes (id int PRIMARY KEY, body text);")
    await db.migrate(dsns[SCHEMA], SCHEMA, "test", tmp_path)
    pool = await db.create_pool(dsns[SCHEMA], SCHEMA)
    try:
        yield Scratch(dsns[SCHEMA], pool)
    finally:
        await pool.close()
        await provision.drop_database(test_env.admin_url, f"slrt_{run}", role_prefix=f"{run}_")
