"""The log of personal-data reads survives every retention pass and is read a month at a time."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
import pytest
import pytest_asyncio

from intake.app import build
from intake.settings import IntakeSettings
from slrt_devstack import fixtures
from slrt_shared.retention import prune_once
from slrt_shared.tokens import hash_token, new_token

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]

VILLAGE = "32.15.02.2001"
MOMENTS = [
    datetime(2016, 1, 15, tzinfo=UTC),
    datetime(2026, 10, 31, 23, 59, 59, tzinfo=UTC),
    datetime(2026, 11, 1, tzinfo=UTC),
    datetime(2026, 11, 30, 12, tzinfo=UTC),
    datetime(2026, 12, 1, tzinfo=UTC),
]


@pytest_asyncio.fixture(loop_scope="session")
async def intake_db(test_env, tmp_path: Path) -> AsyncIterator[str]:  # type: ignore[no-untyped-def]
    """A seeded intake database holding one complaint read at each of MOMENTS."""
    token = new_token("op_")
    credentials = {"operators": {VILLAGE: token}}
    async with fixtures.scratch_database(test_env.admin_url, "p") as scratch:
        dsn = scratch.dsn("intake")
        await fixtures.seed_by_command("intake", dsn, credentials, fixtures.REGENCY, tmp_path)
        conn = await asyncpg.connect(dsn, server_settings={"search_path": "intake"})
        try:
            complaint = uuid.uuid4()
            await conn.execute(
                "INSERT INTO complaints (id, ticket, village_code, needs, description, channel,"
                " recorded_at, received_at, recorded_by)"
                " VALUES ($1, 'SLRT-AAAA-BBBB', $2, '{JKN-PBI}', 'x', 'walk_in', $3, $3, $4)",
                complaint,
                VILLAGE,
                MOMENTS[0],
                hash_token(token),
            )
            await conn.executemany(
                "INSERT INTO pii_reads (reader, complaint_id, fields, at) VALUES ($1, $2, $3, $4)",
                [(hash_token(token), complaint, ["nik", "name"], at) for at in MOMENTS],
            )
        finally:
            await conn.close()
        yield dsn


async def test_no_retention_rule_of_intake_touches_the_reads_of_personal_data(intake_db) -> None:  # type: ignore[no-untyped-def]
    runtime, _ = build(IntakeSettings(database_url=intake_db, log_json=False))
    async with runtime.database() as pool:
        await prune_once(
            pool, runtime.retention_rules, now=datetime.now(UTC) + timedelta(days=3650)
        )
        assert await pool.fetchval("SELECT count(*) FROM pii_reads") == len(MOMENTS)


async def test_a_month_of_reads_is_listed_by_the_audit_command_using_the_index(intake_db) -> None:  # type: ignore[no-untyped-def]
    done = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "intake", "audit", "--month", "2026-11"],
        env={**os.environ, "INTAKE_DATABASE_URL": intake_db, "INTAKE_LOG_JSON": "false"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    assert [line["at"][:10] for line in lines] == ["2026-11-01", "2026-11-30"]
    assert {line["reader_kind"] for line in lines} == {"operator"}
    assert all("token" not in key and "hash" not in key for key in lines[0])

    refused = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "intake", "audit", "--month", "2026-13"],
        env={**os.environ, "INTAKE_DATABASE_URL": intake_db},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert refused.returncode == 2 and "YYYY-MM" in refused.stderr

    conn = await asyncpg.connect(intake_db, server_settings={"search_path": "intake"})
    try:
        async with conn.transaction():
            await conn.execute("SET LOCAL enable_seqscan = off")
            plan = await conn.fetch(
                "EXPLAIN SELECT * FROM pii_reads WHERE at >= $1 AND at < $2",
                MOMENTS[2],
                MOMENTS[4],
            )
    finally:
        await conn.close()
    text = "\n".join(r[0] for r in plan)
    assert "pii_reads_at" in text, f"a month is read without the index on time:\n{text}"
