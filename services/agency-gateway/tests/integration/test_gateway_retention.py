"""What the gateway forgets and what it keeps, on a real Postgres, pruned by its own rules."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from gateway.adapters.repository import GatewayUnitOfWork
from gateway.app import build
from gateway.domain.referrals import AgencyAction, Referral
from gateway.service_layer.actions import ActOnReferral, act
from slrt_shared.contracts.topics import TopicLayout
from slrt_shared.retention import prune_once

from .conftest import stored_referral

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]

NOW = datetime.now(UTC)
ADMIN = "adm_" + uuid.uuid4().hex


def rules(gateway_db):  # type: ignore[no-untyped-def]
    """Every rule the gateway prunes by, as it runs them (defaults: 30 days, 7 and 30 days)."""
    return build(gateway_db.settings())[0].retention_rules


async def given_referral(gateway_db, agency: str = "DINSOS") -> Referral:  # type: ignore[no-untyped-def]
    referral = stored_referral("JKN-PBI", agency, NOW)
    async with GatewayUnitOfWork(gateway_db.pool, TopicLayout("")) as uow:
        await uow.add_referral(referral)
        await uow.commit()
    return referral


async def acknowledge(gateway_db, referral: Referral, key: str):  # type: ignore[no-untyped-def]
    async with GatewayUnitOfWork(gateway_db.pool, TopicLayout("")) as uow:
        result = await act(
            ActOnReferral(
                agency_code=referral.agency_code,
                referral_id=referral.id,
                request=AgencyAction("acknowledge", note="diterima"),
                idempotency_key=key,
            ),
            uow,
        )
        await uow.commit()
    return result


async def test_an_action_repeated_within_the_window_changes_nothing_and_old_keys_go(
    gateway_db,
) -> None:  # type: ignore[no-untyped-def]
    recent, old = await given_referral(gateway_db), await given_referral(gateway_db)
    first = await acknowledge(gateway_db, recent, "key-recent")
    await acknowledge(gateway_db, old, "key-old")
    await gateway_db.pool.execute(
        "UPDATE idempotency_keys SET created_at = $2 WHERE key = $1",
        "key-recent",
        NOW - timedelta(days=29),
    )
    await gateway_db.pool.execute(
        "UPDATE idempotency_keys SET created_at = $2 WHERE key = $1",
        "key-old",
        NOW - timedelta(days=31),
    )
    events_before = await gateway_db.pool.fetchval("SELECT count(*) FROM outbox")

    pruned = await prune_once(gateway_db.pool, rules(gateway_db), now=NOW)

    assert pruned["action_requests"] == 1
    keys = await gateway_db.pool.fetch("SELECT key FROM idempotency_keys")
    assert [k["key"] for k in keys] == ["key-recent"], "the old key is gone"
    again = await acknowledge(gateway_db, recent, "key-recent")
    assert again == first, "a repeat inside the window is answered as the first time"
    assert await gateway_db.pool.fetchval("SELECT count(*) FROM outbox") == events_before, (
        "a repeat inside the window announced something again"
    )


async def deliveries(gateway_db, count: int) -> list[uuid.UUID]:  # type: ignore[no-untyped-def]
    ids = [uuid.uuid4() for _ in range(count)]
    async with GatewayUnitOfWork(gateway_db.pool, TopicLayout("")) as uow:
        for delivery_id in ids:
            await uow.enqueue_delivery(
                delivery_id, "DINSOS", uuid.uuid4(), "id.slrt.agency.referral.v1", '{"nik": "1"}'
            )
        await uow.commit()
    return ids


async def test_webhook_payloads_are_purged_after_delivery_and_parking_and_the_log_stays(
    gateway_db,
) -> None:  # type: ignore[no-untyped-def]
    old_sent, new_sent, old_parked, new_parked, pending = await deliveries(gateway_db, 5)
    set_state = (
        "UPDATE webhook_deliveries SET status = $2, attempts = 1,"
        " delivered_at = $3, parked_at = $4, created_at = $5 WHERE id = $1"
    )
    long_ago = NOW - timedelta(days=400)
    for delivery_id, status, delivered, parked in (
        (old_sent, "delivered", NOW - timedelta(days=8), None),
        (new_sent, "delivered", NOW - timedelta(days=6), None),
        (old_parked, "parked", None, NOW - timedelta(days=31)),
        (new_parked, "parked", None, NOW - timedelta(days=8)),
        (pending, "pending", None, None),
    ):
        await gateway_db.pool.execute(set_state, delivery_id, status, delivered, parked, long_ago)

    pruned = await prune_once(gateway_db.pool, rules(gateway_db), now=NOW)

    assert pruned["webhook_payloads_delivered"] == 1 and pruned["webhook_payloads_parked"] == 1
    rows = {
        r["id"]: r
        for r in await gateway_db.pool.fetch(
            "SELECT id, status, payload, purged_at FROM webhook_deliveries"
        )
    }
    assert len(rows) == 5, "every delivery stays in the log"
    for purged in (old_sent, old_parked):
        assert rows[purged]["payload"] is None and rows[purged]["purged_at"] is not None
    for kept in (new_sent, new_parked, pending):
        assert rows[kept]["payload"] == '{"nik": "1"}' and rows[kept]["purged_at"] is None

    runtime, app = build(gateway_db.settings())
    agency = {"Authorization": f"Bearer {gateway_db.keys['DINSOS']}"}
    async with (
        runtime.database(),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gw") as http,
    ):
        url = "/v1/webhook/deliveries"
        refused = await http.post(f"{url}/{old_parked}/retry", headers=agency)
        assert refused.status_code == 410
        assert refused.json()["error"]["code"] == "delivery_purged"
        english = await http.post(
            f"{url}/{old_parked}/retry", headers={**agency, "Accept-Language": "en"}
        )
        assert "purged" in english.json()["error"]["message"]
        assert (await http.post(f"{url}/{new_parked}/retry", headers=agency)).status_code == 202
        log = {d["id"]: d for d in (await http.get(url, headers=agency)).json()}
    assert log[str(old_sent)]["purged_at"] is not None and log[str(new_sent)]["purged_at"] is None


async def test_the_audit_log_is_never_pruned_and_is_read_a_month_at_a_time(gateway_db) -> None:  # type: ignore[no-untyped-def]
    referral = uuid.uuid4()
    moments = [
        datetime(2016, 1, 15, tzinfo=UTC),
        datetime(2026, 10, 31, 23, 59, 59, tzinfo=UTC),
        datetime(2026, 11, 1, tzinfo=UTC),
        datetime(2026, 11, 30, 12, tzinfo=UTC),
        datetime(2026, 12, 1, tzinfo=UTC),
    ]
    await gateway_db.pool.executemany(
        "INSERT INTO audit_log (agency_code, referral_id, fields, at)"
        " VALUES ('DINSOS', $1, $2, $3)",
        [(referral, ["nik"], at) for at in moments],
    )

    await prune_once(gateway_db.pool, rules(gateway_db), now=NOW + timedelta(days=3650))

    assert await gateway_db.pool.fetchval("SELECT count(*) FROM audit_log") == len(moments)

    runtime, app = build(gateway_db.settings(admin_token=ADMIN))
    admin = {"Authorization": f"Bearer {ADMIN}"}
    async with (
        runtime.database(),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gw") as http,
    ):
        november = await http.get("/v1/audit", params={"month": "2026-11"}, headers=admin)
        assert november.status_code == 200, november.text
        assert [e["at"][:10] for e in november.json()] == ["2026-11-30", "2026-11-01"]
        first = await http.get("/v1/audit", params={"month": "2026-11", "limit": 1}, headers=admin)
        [newest] = first.json()
        rest = await http.get(
            "/v1/audit", params={"month": "2026-11", "before": newest["id"]}, headers=admin
        )
        assert [e["at"][:10] for e in rest.json()] == ["2026-11-01"]
        bad = await http.get("/v1/audit", params={"month": "2026-13"}, headers=admin)
        assert bad.status_code == 422
        assert bad.json()["error"]["details"][0]["field"] == "month"

    async with gateway_db.pool.acquire() as conn, conn.transaction():
        await conn.execute("SET LOCAL enable_seqscan = off")
        plan = await conn.fetch(
            "EXPLAIN SELECT * FROM audit_log WHERE at >= $1 AND at < $2", moments[2], moments[4]
        )
    text = "\n".join(r[0] for r in plan)
    assert "audit_log_at" in text, f"a month is read without the index on time:\n{text}"


async def test_an_escalation_kept_for_a_referral_that_never_came_goes_with_the_inbox(
    gateway_db,
) -> None:  # type: ignore[no-untyped-def]
    young, stale = uuid.uuid4(), uuid.uuid4()
    for referral_id, age in ((young, 89), (stale, 91)):
        await gateway_db.pool.execute(
            "INSERT INTO pending_escalations (referral_id, complaint_id, level, at, change,"
            " received_at) VALUES ($1, $2, 'kecamatan', $3, 'id.slrt.referral.escalated.v1', $3)",
            referral_id,
            uuid.uuid4(),
            NOW - timedelta(days=age),
        )

    pruned = await prune_once(gateway_db.pool, rules(gateway_db), now=NOW)

    assert pruned["pending_escalations"] == 1
    left = await gateway_db.pool.fetch(
        "SELECT referral_id FROM pending_escalations WHERE referral_id = ANY($1::uuid[])",
        [young, stale],
    )
    assert [r["referral_id"] for r in left] == [young]


async def test_case_work_kept_for_a_referral_that_never_came_goes_with_the_inbox(
    gateway_db,
) -> None:  # type: ignore[no-untyped-def]
    young, stale = uuid.uuid4(), uuid.uuid4()
    for event_id, age in ((young, 89), (stale, 91)):
        await gateway_db.pool.execute(
            "INSERT INTO pending_casework (event_id, referral_id, complaint_id, action, at,"
            " received_at) VALUES ($1, $2, $3, 'withdrawn', $4, $4)",
            event_id,
            uuid.uuid4(),
            uuid.uuid4(),
            NOW - timedelta(days=age),
        )

    pruned = await prune_once(gateway_db.pool, rules(gateway_db), now=NOW)

    assert pruned["pending_casework"] == 1
    left = await gateway_db.pool.fetch(
        "SELECT event_id FROM pending_casework WHERE event_id = ANY($1::uuid[])", [young, stale]
    )
    assert [r["event_id"] for r in left] == [young]
