"""A scratch database of a test's own, its one schema holding the messaging tables and `notes`."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest_asyncio

from slrt_devstack.fixtures import ScratchSchema, scratch_schema

SCHEMA = "referral"  # any service schema: these tests use a database of their own


@pytest_asyncio.fixture(loop_scope="session")
async def scratch(test_env, tmp_path: Path) -> AsyncIterator[ScratchSchema]:  # type: ignore[no-untyped-def]
    """A fresh database whose `referral` schema holds the messaging tables and a `notes` table."""
    (tmp_path / "001_notes.sql").write_text("CREATE TABLE notes (id int PRIMARY KEY, body text);")
    async with scratch_schema(test_env.admin_url, "s", SCHEMA, tmp_path, name="test") as made:
        yield made
