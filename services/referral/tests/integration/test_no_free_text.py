"""Referral keeps an agency's reason as a code: the free text of older events is never stored."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from pathlib import Path
from uuid import UUID, uuid4

import asyncpg
import pytest

from referral.adapters.repository import ReferralUnitOfWork
from referral.app import MIGRATIONS
from referral.domain.sla import JAKARTA, Calendar
from referral.entrypoints import cli_seed as seed
from referral.entrypoints import kafka
from referral.service_layer.context import Context
from slrt_shared import db
from slrt_shared.contracts.envelope import new_event
from slrt_shared.contracts.events import CaseResolved, ComplaintCreated, EventData, ReferralUpdated
from slrt_shared.contracts.topics import TopicLayout

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]

NIK_IN_NOTE = "3215039876543210"
MONDAY = datetime(2025, 6, 23, 10, 0, tzinfo=JAKARTA)
CALENDAR = Calendar(frozenset(), JAKARTA)


def at_monday() -> datetime:
    return MONDAY


async def run(pool, handler, data: EventData, complaint_id: UUID) -> None:  # type: ignore[no-untyped-def]
    async with ReferralUnitOfWork(pool, TopicLayout()) as uow:
        await handler(uow, data, new_event(data, source="/slrt/test", subject=complaint_id))
        await uow.commit()


async def created(pool, context: Context, village: str, needs: list[str]) -> UUID:  # type: ignore[no-untyped-def]
    complaint_id = uuid4()
    data = ComplaintCreated(
        complaint_id=complaint_id,
        ticket=f"SLRT-{uuid4().hex[:4].upper()}",
        village_code=village,
        needs=needs,
        channel="walk_in",
        received_at=MONDAY,
        recorded_at=MONDAY,
    )
    await run(pool, kafka.on_complaint_created(context), data, complaint_id)
    return complaint_id


async def referrals(pool, complaint_id: UUID) -> list[dict]:  # type: ignore[no-untyped-def]
    rows = await pool.fetch(
        "SELECT * FROM referrals WHERE complaint_id = $1 ORDER BY service_code, attempt",
        complaint_id,
    )
    return [dict(r) for r in rows]


async def test_events_from_before_reason_codes_leave_no_note_in_referral(referral_pool) -> None:
    context = Context(CALENDAR, at_monday)
    complaint_id = await created(referral_pool, context, "32.15.03.2001", ["JKN-PBI"])
    [first] = await referrals(referral_pool, complaint_id)
    # As such an event still lies on the topic: free text, no reason code.
    await run(
        referral_pool,
        kafka.on_referral_updated(context),
        ReferralUpdated(
            referral_id=first["id"],
            complaint_id=complaint_id,
            agency_code=first["agency_code"],
            status="rejected",
            note=f"Bukan wewenang; Ibu Sulastri NIK {NIK_IN_NOTE}",
            at=MONDAY,
        ),
        complaint_id,
    )
    second = (await referrals(referral_pool, complaint_id))[-1]
    await run(
        referral_pool,
        kafka.on_case_resolved(context),
        CaseResolved(
            referral_id=second["id"],
            complaint_id=complaint_id,
            agency_code=second["agency_code"],
            outcome="resolved",
            note="Diagnosis: skizofrenia paranoid",
            resolved_at=MONDAY,
        ),
        complaint_id,
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
    await run(
        referral_pool,
        kafka.on_referral_updated(context),
        ReferralUpdated(
            referral_id=first["id"],
            complaint_id=complaint_id,
            agency_code=first["agency_code"],
            status="rejected",
            reason_code="di_luar_wilayah",
            at=MONDAY,
        ),
        complaint_id,
    )
    rejected, _ = await referrals(referral_pool, complaint_id)
    assert (rejected["status"], rejected["reason_code"]) == ("rejected", "di_luar_wilayah")


async def test_the_migration_clears_the_notes_stored_before(test_env, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from slrt_devstack import provision

    run_id = "r" + secrets.token_hex(4)
    dsns = await provision.create_database(
        test_env.admin_url, f"slrt_{run_id}", role_prefix=f"{run_id}_"
    )
    try:
        before = tmp_path / "before"
        before.mkdir()
        for path in sorted(MIGRATIONS.glob("*.sql")):
            if int(path.name.split("_", 1)[0]) < 5:
                (before / path.name).write_text(path.read_text())
        await db.migrate(dsns["referral"], "referral", "referral", before)
        conn = await asyncpg.connect(dsns["referral"])
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

        applied = await db.migrate(dsns["referral"], "referral", "referral", MIGRATIONS)
        assert any(name.startswith("referral/005_") for name in applied)
        conn = await asyncpg.connect(dsns["referral"])
        try:
            rows = await conn.fetch(
                "SELECT agency_code, note, reason_code FROM referrals ORDER BY attempt"
            )
        finally:
            await conn.close()
        assert [tuple(r) for r in rows] == [("DINSOS", None, "lainnya"), ("BPJSKES", None, None)]
    finally:
        await provision.drop_database(
            test_env.admin_url, f"slrt_{run_id}", role_prefix=f"{run_id}_"
        )
