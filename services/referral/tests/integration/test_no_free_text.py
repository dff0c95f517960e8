"""Referral keeps an agency's reason as a code: the free text of older events is never stored."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from uuid import uuid4

import asyncpg
import pytest

from referral.app import MIGRATIONS
from referral.entrypoints import cli_seed as seed
from referral.service_layer.context import Context
from slrt_devstack import fixtures
from slrt_shared import db

from .conftest import CALENDAR, MONDAY, created, referrals, resolved, updated

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]

NIK_IN_NOTE = "3215039876543210"


def at_monday() -> datetime:
    return MONDAY


async def test_events_from_before_reason_codes_leave_no_note_in_referral(referral_pool) -> None:
    context = Context(CALENDAR, at_monday)
    complaint_id = await created(referral_pool, context, "32.15.03.2001", ["JKN-PBI"])
    [first] = await referrals(referral_pool, complaint_id)
    # As such an event still lies on the topic: free text, no reason code.
    await updated(
        referral_pool,
        context,
        first,
        status="rejected",
        note=f"Bukan wewenang; Ibu Sulastri NIK {NIK_IN_NOTE}",
    )
    second = (await referrals(referral_pool, complaint_id))[-1]
    await resolved(
        referral_pool, context, second, outcome="resolved", note="Diagnosis: skizofrenia paranoid"
    )
    rows = await referral_pool.fetch(
        "SELECT t::text AS row FROM referrals t WHERE complaint_id = $1", complaint_id
    )
    assert len(rows) == 2
    assert not [r for r in rows if NIK_IN_NOTE in r["row"] or "skizofrenia" in r["row"]]
    assert [r["note"] for r in await referrals(referral_pool, complaint_id)] == [None, None]


async def test_a_rejection_with_a_code_keeps_the_code(referral_pool) -> None:
    context = Context(CALENDAR, at_monday)
    complaint_id = await created(referral_pool, context, "32.15.04.2001", ["JKN-PBI"])
    [first] = await referrals(referral_pool, complaint_id)
    await updated(referral_pool, context, first, status="rejected", reason_code="di_luar_wilayah")
    rejected, _ = await referrals(referral_pool, complaint_id)
    assert (rejected["status"], rejected["reason_code"]) == ("rejected", "di_luar_wilayah")


async def test_the_migration_clears_the_notes_stored_before(test_env, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    async with fixtures.scratch_database(test_env.admin_url, "r") as scratch:
        dsn = scratch.dsn("referral")
        before = fixtures.migrations_before(MIGRATIONS, 5, tmp_path / "before")
        await db.migrate(dsn, "referral", "referral", before)
        conn = await asyncpg.connect(dsn)
        try:
            # The seed of that schema: the rules and the calendar (agencies came with 006).
            async with conn.transaction():
                await seed.load_rules(conn)
                await seed.load_calendar(conn)
            complaint_id, now = uuid4(), datetime.now(UTC)
            await conn.execute(
                "INSERT INTO cases (complaint_id, ticket, village_code, opened_at)"
                " VALUES ($1, 'SLRT-AAAA-BBBB', '32.15.03.2001', $2)",
                complaint_id,
                now,
            )
            for attempt, (agency, status, note) in enumerate(
                [
                    ("DINSOS", "rejected", f"Ibu Sulastri NIK {NIK_IN_NOTE}"),
                    ("BPJSKES", "resolved", "Diagnosis: skizofrenia paranoid"),
                ],
                start=1,
            ):
                await conn.execute(
                    "INSERT INTO referrals (id, complaint_id, service_code, agency_code, attempt,"
                    " status, rule_version, dispatched_at, due_at, note)"
                    " VALUES ($1, $2, 'JKN-PBI', $3, $4, $5, 1, $6, $6, $7)",
                    uuid4(),
                    complaint_id,
                    agency,
                    attempt,
                    status,
                    now,
                    note,
                )
        finally:
            await conn.close()

        applied = await db.migrate(dsn, "referral", "referral", MIGRATIONS)
        assert any(name.startswith("referral/005_") for name in applied)
        conn = await asyncpg.connect(dsn)
        try:
            rows = await conn.fetch(
                "SELECT agency_code, note, reason_code FROM referrals ORDER BY attempt"
            )
        finally:
            await conn.close()
        assert [tuple(r) for r in rows] == [("DINSOS", None, "lainnya"), ("BPJSKES", None, None)]
