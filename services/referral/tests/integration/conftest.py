from __future__ import annotations

import secrets
from collections.abc import AsyncIterator

import asyncpg
import pytest_asyncio

from referral.app import MIGRATIONS
from referral.entrypoints import cli_seed as seed
from slrt_shared import db


@pytest_asyncio.fixture(loop_scope="session")
async def referral_pool(test_env) -> AsyncIterator[asyncpg.Pool]:  # type: ignore[no-untyped-def]
    """A referral schema of its own (no running service touches it), seeded from the catalogue."""
    from slrt_devstack import provision

    run = "r" + secrets.token_hex(4)
    dsns = await provision.create_database(test_env.admin_url, f"slrt_{run}", role_prefix=f"{run}_")
    await db.migrate(dsns["referral"], "referral", "referral", MIGRATIONS)
    conn = await asyncpg.connect(dsns["referral"])
    try:
        async with conn.transaction():
            await seed.load(conn, {}, "32.15")
    finally:
        await conn.close()
    pool = await db.create_pool(dsns["referral"], "referral")
    try:
        yield pool
    finally:
        await pool.close()
        await provision.drop_database(test_env.admin_url, f"slrt_{run}", role_prefix=f"{run}_")
