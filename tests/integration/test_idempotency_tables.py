"""Intake's and the gateway's idempotency tables have the one shape slrt_shared.idempotency uses."""

from __future__ import annotations

from pathlib import Path

import asyncpg
import pytest

from slrt_devstack import fixtures
from slrt_shared import idempotency

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]

ROOT = Path(__file__).resolve().parents[2]
SERVICES = {  # schema -> (service name, its migrations)
    "intake": ("intake", ROOT / "services/intake/migrations"),
    "gateway": ("agency-gateway", ROOT / "services/agency-gateway/migrations"),
}


async def shape(dsn: str) -> list[tuple[object, ...]]:
    """The columns of the schema's idempotency_keys and its primary key, as Postgres has them."""
    conn = await asyncpg.connect(dsn)
    try:
        columns = await conn.fetch(
            "SELECT column_name, data_type, is_nullable, column_default"
            " FROM information_schema.columns WHERE table_schema = current_schema()"
            " AND table_name = 'idempotency_keys' ORDER BY ordinal_position"
        )
        key = await conn.fetch(
            "SELECT a.attname FROM pg_index i JOIN pg_attribute a"
            " ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)"
            " WHERE i.indrelid = 'idempotency_keys'::regclass AND i.indisprimary"
            " ORDER BY array_position(i.indkey, a.attnum)"
        )
    finally:
        await conn.close()
    return [tuple(c) for c in columns] + [("primary key", *(k["attname"] for k in key))]


async def test_each_service_migrates_its_idempotency_table_to_the_shared_shape(test_env) -> None:  # type: ignore[no-untyped-def]
    async with fixtures.scratch_database(test_env.admin_url, "i") as scratch:
        for schema, (name, migrations) in SERVICES.items():
            await fixtures.migrate(scratch.dsn(schema), schema, name, migrations)
        # The shape the shared code is written for, in a schema of its own.
        conn = await asyncpg.connect(scratch.dsn("referral"))
        try:
            await conn.execute(idempotency.TABLE)
        finally:
            await conn.close()
        expected = await shape(scratch.dsn("referral"))
        found = {schema: await shape(scratch.dsn(schema)) for schema in SERVICES}

    assert len(expected) == 6
    assert found == {schema: expected for schema in SERVICES}
