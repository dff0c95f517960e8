"""Intake's retention job erases personal data of cases closed past the period, and no other."""

from __future__ import annotations

import random
import uuid
from typing import Any

import asyncpg
import pytest

from intake.app import build
from intake.settings import IntakeSettings
from slrt_devstack.testing import eventually
from slrt_shared.contracts import topics
from slrt_shared.retention import prune_once

from .conftest import VILLAGE, Intake
from .test_intake_flow import records_about

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]


async def register(intake: Intake, nik: str) -> str:
    body = {
        "village_code": VILLAGE,
        "needs": ["JKN-PBI"],
        "description": "BPJS PBI tidak aktif sejak Maret.",
        "channel": "walk_in",
        "recorded_at": "2025-06-26T09:15:00+07:00",
        "resident": {"nik": nik, "name": "Siti Aminah", "phone": "081234567890"},
    }
    headers = {**intake.operator(), "Idempotency-Key": str(uuid.uuid4())}
    response = await intake.http.post("/v1/complaints", json=body, headers=headers)
    assert response.status_code == 201, response.text
    return str(response.json()["complaint_id"])


async def state(conn: asyncpg.Connection, complaint_id: str) -> dict[str, Any]:
    row = await conn.fetchrow(
        "SELECT c.status, c.description, c.erasure_cause, c.possible_duplicate_of, r.nik,"
        " (SELECT count(*) FROM idempotency_keys k"
        " WHERE k.response ->> 'complaint_id' = c.id::text) AS keys"
        " FROM complaints c LEFT JOIN residents r ON r.complaint_id = c.id WHERE c.id = $1",
        uuid.UUID(complaint_id),
    )
    assert row is not None
    return dict(row)


async def test_only_cases_closed_longer_than_the_retention_period_lose_their_personal_data(
    intake: Intake,
) -> None:
    nik = f"321502410780{random.randint(1, 9999):04d}"
    old, recent, still_open = [await register(intake, nik) for _ in range(3)]
    conn = await asyncpg.connect(intake.dsn, server_settings={"search_path": "intake"})
    try:
        for complaint_id, days in ((old, 731), (recent, 729)):
            await conn.execute(
                "UPDATE complaints SET status = 'closed',"
                " closed_at = now() - make_interval(days => $2) WHERE id = $1",
                uuid.UUID(complaint_id),
                days,
            )
        # The later complaints were linked to the old one as the same resident's.
        assert uuid.UUID(old) in (await state(conn, still_open))["possible_duplicate_of"]
        settings = IntakeSettings(database_url=intake.dsn, topic_prefix=intake.layout.prefix)  # type: ignore[call-arg]
        assert settings.personal_data_retention_days == 730
        pool = await asyncpg.create_pool(intake.dsn, server_settings={"search_path": "intake"})
        try:
            rules = build(settings)[0].retention_rules
            assert (await prune_once(pool, rules))["personal_data"] == 1
            assert (await prune_once(pool, rules))["personal_data"] == 0  # nothing twice
        finally:
            await pool.close()

        erased = await state(conn, old)
        assert (erased["status"], erased["nik"], erased["description"]) == ("closed", None, None)
        assert erased["erasure_cause"] == "retention" and erased["keys"] == 0
        for kept in (recent, still_open):
            assert (await state(conn, kept))["nik"] == nik
            assert (await state(conn, kept))["description"]
        assert uuid.UUID(old) not in (await state(conn, still_open))["possible_duplicate_of"]
    finally:
        await conn.close()

    # The erasure is announced on complaint.pii, after the complaint's personal record.
    records = await eventually(lambda: _both(intake, old))
    assert [r[2]["type"] for r in records] == [
        "id.slrt.complaint.pii.v1",
        "id.slrt.complaint.pii_erased.v1",
    ]
    assert records[1][0] == old.encode() and records[1][2]["data"]["cause"] == "retention"
    # The district staff still get the case, marked erased.
    got = await intake.http.get(f"/v1/complaints/{old}", headers=intake.district())
    assert got.status_code == 200 and got.json()["personal_data_erased"] is True


async def _both(intake: Intake, complaint_id: str) -> list[Any] | None:
    records = await records_about(intake, topics.COMPLAINT_PII, complaint_id)
    return records if len(records) == 2 else None
