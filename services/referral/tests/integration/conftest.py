"""A referral schema of a test's own, migrated and seeded from the catalogue."""

from __future__ import annotations

from collections.abc import AsyncIterator

import asyncpg
import pytest_asyncio

from referral import seed
from referral.app import MIGRATIONS
from slrt_devstack import fixtures


@pytest_asyncio.fixture(loop_scope="session")
async def referral_pool(test_env) -> AsyncIterator[asyncpg.Pool]:  # type: ignore[no-untyped-def]
    """A referral schema of its own (no running service touches it), seeded from the catalogue."""
    async with fixtures.scratch_schema(
        test_env.admin_url, "r", "referral", MIGRATIONS, seed.load
    ) as scratch:
        yield scratch.pool
