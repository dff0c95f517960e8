"""What every service connection is set to: its own schema, its name, and no JIT."""

from __future__ import annotations

import pytest

from slrt_shared import db

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]


async def test_a_service_connection_sees_its_schema_is_named_and_compiles_no_query(
    scratch,
) -> None:  # type: ignore[no-untyped-def]
    pool = await db.create_pool(scratch.dsn, scratch.schema, min_size=1, max_size=1)
    try:
        async with pool.acquire() as conn:
            row = await conn.fetchrow(
                "SELECT current_schema() AS schema, current_setting('application_name') AS name,"
                " current_setting('jit') AS jit"
            )
    finally:
        await pool.close()
    assert row is not None
    assert (row["schema"], row["name"], row["jit"]) == (
        scratch.schema,
        f"slrt-{scratch.schema}",
        "off",
    )
