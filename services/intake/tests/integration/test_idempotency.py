"""Idempotency on a real Postgres: keys belong to the village, per source, and are pruned by age."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest

from intake.adapters.repository import IntakeUnitOfWork
from intake.app import MIGRATIONS, build
from intake.domain.complaints import NewComplaint, Resident
from intake.domain.idempotency import KeySource
from intake.entrypoints import cli_operators as admin
from intake.service_layer.registration import Outcome, register_complaint
from intake.settings import IntakeSettings
from slrt_devstack import fixtures
from slrt_shared import db
from slrt_shared.contracts.topics import TopicLayout
from slrt_shared.idempotency import IdempotencyKeyReusedError
from slrt_shared.retention import prune_once

from .conftest import OTHER_VILLAGE, VILLAGE, Intake

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]


def body(description: str, village: str = VILLAGE, **changes: Any) -> dict[str, Any]:
    """A complaint whose description marks it, so its copies can be counted."""
    return {
        "village_code": village,
        "needs": ["JKN-PBI"],
        "description": description,
        "channel": "walk_in",
        "recorded_at": "2025-06-26T09:15:00+07:00",
        "resident": {"nik": "3215024107800001", "name": "Siti Aminah", "phone": "081234567890"},
        **changes,
    }


def offline(description: str, client_id: str, village: str = VILLAGE) -> dict[str, Any]:
    """A complaint recorded offline on a device."""
    item = body(description, village, recorded_at="2025-06-20T08:00:00+07:00")
    item.pop("channel")
    return {**item, "client_id": client_id}


def marker() -> str:
    """A description no other test uses."""
    return f"PBI tidak aktif ({uuid.uuid4().hex})."


def bearer(token: str) -> dict[str, str]:
    """Authorization header of a token."""
    return {"Authorization": f"Bearer {token}"}


async def post(intake: Intake, token: dict[str, str], key: str, payload: Any) -> httpx.Response:
    """POST /v1/complaints with an Idempotency-Key."""
    return await intake.http.post(
        "/v1/complaints", json=payload, headers={**token, "Idempotency-Key": key}
    )


async def sync(intake: Intake, token: dict[str, str], items: list[Any]) -> list[dict[str, Any]]:
    """POST /v1/complaints/batch; the per-item results."""
    response = await intake.http.post(
        "/v1/complaints/batch", json={"complaints": items}, headers=token
    )
    assert response.status_code == 200, response.text
    return response.json()["results"]  # type: ignore[no-any-return]


async def complaints_described(intake: Intake, description: str) -> int:
    """How many complaints carry a description."""
    conn = await asyncpg.connect(intake.dsn)
    try:
        count: int = await conn.fetchval(
            "SELECT count(*) FROM complaints WHERE description = $1", description
        )
        return count
    finally:
        await conn.close()


async def issue(intake: Intake, village: str, label: str) -> tuple[uuid.UUID, dict[str, str]]:
    """Issue an operator token for a village as the admin does: (its id, its header)."""
    conn = await asyncpg.connect(intake.dsn)
    try:
        token_id, token = await admin.issue(conn, village=village, regency=None, label=label)
    finally:
        await conn.close()
    return token_id, bearer(token)


async def reissue(intake: Intake, token_id: uuid.UUID, village: str) -> dict[str, str]:
    """Revoke a village's token and issue its successor; the successor's header."""
    conn = await asyncpg.connect(intake.dsn)
    try:
        assert await admin.revoke(conn, token_id)
    finally:
        await conn.close()
    return (await issue(intake, village, "tablet baru"))[1]


async def test_a_resend_under_a_reissued_token_returns_the_same_complaint(intake: Intake) -> None:
    old_id, old = await issue(intake, VILLAGE, "tablet lama")
    key, description = str(uuid.uuid4()), marker()
    first = await post(intake, old, key, body(description))
    new = await reissue(intake, old_id, VILLAGE)
    refused = await post(intake, old, key, body(description))
    again = await post(intake, new, key, body(description))
    other = await post(intake, new, key, body(description, needs=["ADMINDUK"]))

    assert (first.status_code, refused.status_code, again.status_code) == (201, 401, 200)
    assert again.json() == {**first.json(), "resident_code": None}  # the code is shown once
    assert (other.status_code, other.json()["error"]["code"]) == (409, "idempotency_key_reused")
    assert await complaints_described(intake, description) == 1


async def test_a_batch_resent_under_a_reissued_token_creates_nothing_twice(intake: Intake) -> None:
    old_id, old = await issue(intake, VILLAGE, "tablet lama")
    device, description = uuid.uuid4().hex[:8], marker()
    items = [offline(description, f"tab-{device}:1"), offline(description, f"tab-{device}:2")]
    first = await sync(intake, old, items)
    new = await reissue(intake, old_id, VILLAGE)
    again = await sync(intake, new, items)

    assert [r["result"] for r in first] == ["created", "created"]
    assert [r["result"] for r in again] == ["existing", "existing"]
    assert [r["complaint_id"] for r in again] == [r["complaint_id"] for r in first]
    assert await complaints_described(intake, description) == 2


async def test_a_header_key_and_a_device_client_id_spelled_alike_do_not_collide(
    intake: Intake,
) -> None:
    client_id = uuid.uuid4().hex
    by_header, by_device = marker(), marker()
    header = await post(intake, intake.operator(), f"client:{client_id}", body(by_header))
    [device] = await sync(intake, intake.operator(), [offline(by_device, client_id)])
    plain = await post(intake, intake.operator(), client_id, body(by_header, needs=["PKH"]))
    header_again = await post(intake, intake.operator(), f"client:{client_id}", body(by_header))
    [device_again] = await sync(intake, intake.operator(), [offline(by_device, client_id)])

    assert (header.status_code, device["result"], plain.status_code) == (201, "created", 201)
    ids = {header.json()["complaint_id"], device["complaint_id"], plain.json()["complaint_id"]}
    assert len(ids) == 3
    assert header_again.status_code == 200
    assert header_again.json()["complaint_id"] == header.json()["complaint_id"]
    assert (device_again["result"], device_again["complaint_id"]) == (
        "existing",
        device["complaint_id"],
    )


async def test_two_villages_using_the_same_key_and_client_id_do_not_collide(
    intake: Intake,
) -> None:
    key, client_id, description = str(uuid.uuid4()), uuid.uuid4().hex, marker()
    mine = await post(intake, intake.operator(), key, body(description))
    theirs = await post(
        intake, intake.operator(OTHER_VILLAGE), key, body(description, OTHER_VILLAGE)
    )
    [my_item] = await sync(intake, intake.operator(), [offline(description, client_id)])
    [their_item] = await sync(
        intake, intake.operator(OTHER_VILLAGE), [offline(description, client_id, OTHER_VILLAGE)]
    )

    assert (mine.status_code, theirs.status_code) == (201, 201)
    assert mine.json()["complaint_id"] != theirs.json()["complaint_id"]
    assert (my_item["result"], their_item["result"]) == ("created", "created")
    assert my_item["complaint_id"] != their_item["complaint_id"]
    assert await complaints_described(intake, description) == 4


async def test_a_key_within_the_retention_window_still_answers_and_one_past_it_is_pruned(
    intake: Intake,
) -> None:
    recent_key, old_key = str(uuid.uuid4()), str(uuid.uuid4())
    recent, old = marker(), marker()
    first = await post(intake, intake.operator(), recent_key, body(recent))
    assert (await post(intake, intake.operator(), old_key, body(old))).status_code == 201
    conn = await asyncpg.connect(intake.dsn)
    try:
        for key, age in ((recent_key, 89), (old_key, 91)):
            await conn.execute(
                "UPDATE idempotency_keys SET created_at = now() - make_interval(days => $2)"
                " WHERE key = $1",
                key,
                age,
            )
    finally:
        await conn.close()
    # The rules the service itself registers, with the default age of 90 days.
    runtime, _ = build(IntakeSettings(database_url=intake.dsn, log_json=False))
    async with fixtures.pool(intake.dsn, "intake") as pool:
        pruned = await prune_once(pool, runtime.retention_rules, now=datetime.now(UTC))
        kept = await pool.fetchval(
            "SELECT count(*) FROM idempotency_keys WHERE key = ANY($1)", [recent_key, old_key]
        )

    assert pruned["idempotency_keys"] == 1
    assert kept == 1
    again = await post(intake, intake.operator(), recent_key, body(recent))
    assert again.status_code == 200, "a resend inside the window registered again"
    assert again.json()["complaint_id"] == first.json()["complaint_id"]
    # Past the window the key is forgotten: the complaint stays, a resend counts as new.
    assert (await post(intake, intake.operator(), old_key, body(old))).status_code == 201
    assert await complaints_described(intake, recent) == 1


@contextlib.asynccontextmanager
async def schema_before(test_env, number: int, tmp_path: Path) -> AsyncIterator[str]:  # type: ignore[no-untyped-def]
    """A database whose intake schema stands before migration `number`; its DSN."""
    async with fixtures.scratch_database(test_env.admin_url, "m") as scratch:
        dsn = scratch.dsn("intake")
        await db.migrate(
            dsn, "intake", "intake", fixtures.migrations_before(MIGRATIONS, number, tmp_path)
        )
        yield dsn


@pytest.fixture
async def old_schema(test_env, tmp_path: Path) -> AsyncIterator[str]:  # type: ignore[no-untyped-def]
    """A database whose intake schema stands at migration 004; its DSN."""
    async with schema_before(test_env, 5, tmp_path) as dsn:
        yield dsn


async def test_keys_kept_by_token_move_to_their_village_and_source(old_schema: str) -> None:
    conn = await asyncpg.connect(old_schema)
    try:
        await conn.execute(
            "INSERT INTO villages VALUES ($1, 'Satu', '32.15.02', '32.15'),"
            " ($2, 'Dua', '32.15.02', '32.15')",
            VILLAGE,
            OTHER_VILLAGE,
        )
        start = datetime(2025, 6, 1, tzinfo=UTC)
        rows = [  # token, key, complaint's village
            ("tok-a", "k1", VILLAGE),
            ("tok-a", "client:tab-1", VILLAGE),
            ("tok-a", "open311:abc", VILLAGE),
            ("tok-a", "tab-1", VILLAGE),
            ("tok-b", "k1", VILLAGE),  # a second token of the village, later, same key
            ("tok-c", "k1", OTHER_VILLAGE),
        ]
        complaints = []
        for n, (token, key, village) in enumerate(rows):
            complaint_id = uuid.uuid4()
            complaints.append(complaint_id)
            await conn.execute(
                "INSERT INTO complaints (id, ticket, village_code, needs, description, channel,"
                " recorded_at, received_at, recorded_by)"
                " VALUES ($1, $2, $3, '{JKN-PBI}', 'x', 'walk_in', $4, $4, $5)",
                complaint_id,
                f"SLRT-TEST-000{n}",
                village,
                start,
                token,
            )
            await conn.execute(
                "INSERT INTO idempotency_keys (scope, key, request_hash, complaint_id, created_at)"
                " VALUES ($1, $2, $3, $4, $5)",
                token,
                key,
                f"hash-{n}",
                complaint_id,
                start + timedelta(minutes=n),
            )
    finally:
        await conn.close()

    applied = await db.migrate(old_schema, "intake", "intake", MIGRATIONS)

    conn = await asyncpg.connect(old_schema)
    try:
        # Read in the shape the keys have since (scope: source and village), 009 applied too.
        migrated = await conn.fetch(
            "SELECT scope, key, (response ->> 'complaint_id')::uuid FROM idempotency_keys"
            " ORDER BY created_at"
        )
    finally:
        await conn.close()
    assert applied[0] == "intake/005_idempotency_by_village"
    assert [tuple(r) for r in migrated] == [
        (f"header:{VILLAGE}", "k1", complaints[0]),
        (f"batch:{VILLAGE}", "tab-1", complaints[1]),
        (f"open311:{VILLAGE}", "abc", complaints[2]),
        (f"header:{VILLAGE}", "tab-1", complaints[3]),
        (f"header:{OTHER_VILLAGE}", "k1", complaints[5]),
    ]


@pytest.fixture
async def schema_before_shared_keys(test_env, tmp_path: Path) -> AsyncIterator[str]:  # type: ignore[no-untyped-def]
    """A database whose intake schema stands before migration 009 (keys by source and village)."""
    async with schema_before(test_env, 9, tmp_path) as dsn:
        yield dsn


def complaint_in(village: str, description: str) -> NewComplaint:
    """A complaint as registration sees it."""
    return NewComplaint(
        village_code=village,
        needs=("JKN-PBI",),
        description=description,
        channel="walk_in",
        recorded_at=datetime(2025, 6, 26, 2, 15, tzinfo=UTC),
        resident=Resident(nik="3215024107800001", name="Siti Aminah"),
    )


async def test_keys_saved_before_the_shared_table_still_replay_after_the_upgrade(
    schema_before_shared_keys: str,
) -> None:
    dsn = schema_before_shared_keys
    sent = complaint_in(VILLAGE, "PBI tidak aktif.")
    saved_at = datetime.now(UTC) - timedelta(days=10)
    earlier = {}  # source -> the complaint its key registered
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute("INSERT INTO villages VALUES ($1, 'Satu', '32.15.02', '32.15')", VILLAGE)
        for n, source in enumerate(("header", "batch", "open311")):
            complaint_id = uuid.uuid4()
            earlier[source] = complaint_id
            await conn.execute(
                "INSERT INTO complaints (id, ticket, village_code, needs, description, channel,"
                " recorded_at, received_at, recorded_by)"
                " VALUES ($1, $2, $3, '{JKN-PBI}', 'x', 'walk_in', $4, $4, 'tok')",
                complaint_id,
                f"SLRT-TEST-001{n}",
                VILLAGE,
                saved_at,
            )
            await conn.execute(
                "INSERT INTO idempotency_keys"
                " (source, village_code, key, request_hash, complaint_id, created_at)"
                " VALUES ($1, $2, 'k1', $3, $4, $5)",
                source,
                VILLAGE,
                sent.fingerprint(),
                complaint_id,
                saved_at,
            )
    finally:
        await conn.close()

    applied = await db.migrate(dsn, "intake", "intake", MIGRATIONS)

    assert applied[0] == "intake/009_shared_idempotency_keys"
    async with fixtures.pool(dsn, "intake") as pool:

        async def resend(complaint: NewComplaint, source: KeySource) -> Outcome:
            async with IntakeUnitOfWork(pool, TopicLayout("")) as uow:
                outcome = await register_complaint(
                    uow,
                    complaint,
                    operator="reissued",
                    idempotency_key="k1",
                    now=datetime.now(UTC),
                    source=source,
                )
                await uow.commit()
            return outcome

        for source in ("header", "batch", "open311"):
            again = await resend(sent, source)
            assert (again.complaint_id, again.created) == (earlier[source], False), source
        with pytest.raises(IdempotencyKeyReusedError):
            await resend(complaint_in(VILLAGE, "Rumah tidak layak huni."), "header")
        ages = await pool.fetch(
            "SELECT DISTINCT created_at FROM idempotency_keys WHERE key = 'k1' AND scope LIKE $1",
            f"%:{VILLAGE}",
        )
        old_table = await pool.fetchval("SELECT to_regclass('idempotency_keys_by_village')")
    assert [r["created_at"] for r in ages] == [saved_at], "a copied key lost its age"
    assert old_table is None
