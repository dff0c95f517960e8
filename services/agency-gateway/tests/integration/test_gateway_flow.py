"""The gateway on a real Kafka and Postgres: events in, the agencies' API, events out."""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import pytest
from aiokafka import AIOKafkaProducer

from slrt_devstack.testing import eventually, read_records
from slrt_shared.contracts import topics
from slrt_shared.contracts.envelope import new_event
from slrt_shared.contracts.events import (
    ComplaintPii,
    EventData,
    ReferralDispatched,
    ReferralEscalated,
)

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]

NOW = datetime.now(UTC).replace(microsecond=0)


async def produce(gateway, *events: tuple[str, EventData, uuid.UUID]) -> None:  # type: ignore[no-untyped-def]
    """Publish events as the other services do: CloudEvents keyed by the complaint id."""
    producer = AIOKafkaProducer(bootstrap_servers=gateway.kafka_bootstrap_servers)
    await producer.start()
    try:
        for topic, data, complaint_id in events:
            event = new_event(data, source="/slrt/test", subject=complaint_id)
            await producer.send_and_wait(
                gateway.layout.name(topic), event.to_bytes(), key=str(complaint_id).encode()
            )
    finally:
        await producer.stop()


async def read_topic(gateway, physical_topic: str) -> list[dict[str, Any]]:  # type: ignore[no-untyped-def]
    """Every record on a topic, from the beginning to its current end."""
    records = await read_records(gateway.kafka_bootstrap_servers, physical_topic)
    return [json.loads(r.value) for r in records]


async def about(gateway, topic: str, complaint_id: uuid.UUID) -> list[dict[str, Any]]:  # type: ignore[no-untyped-def]
    """The records of one complaint on a contract topic."""
    return [
        e
        for e in await read_topic(gateway, gateway.layout.name(topic))
        if e["subject"] == str(complaint_id)
    ]


async def copies(gateway, agency: str, complaint_id: uuid.UUID, keep) -> list[dict[str, Any]]:  # type: ignore[no-untyped-def]
    """The copies of one complaint's referrals on an agency's own topic."""
    records = await read_topic(gateway, gateway.layout.agency(agency))
    return [r for r in records if r["subject"] == str(complaint_id) and keep(r)]


def pii(complaint_id: uuid.UUID, name: str) -> ComplaintPii:
    return ComplaintPii(
        complaint_id=complaint_id,
        nik="3215024107800001",
        name=name,
        phone="+6281234567890",
        address="Dusun Krajan RT 02/RW 01",
        description="Korban kekerasan, perlu pendampingan.",
    )


def dispatched(complaint_id: uuid.UUID, service: str, agency: str) -> ReferralDispatched:
    return ReferralDispatched(
        referral_id=uuid.uuid4(),
        complaint_id=complaint_id,
        ticket=f"SLRT-2506-{uuid.uuid4().hex[:4].upper()}",
        village_code="32.15.02.2001",
        service_code=service,
        agency_code=agency,
        attempt=1,
        dispatched_at=NOW,
        due_at=NOW + timedelta(days=7),
    )


async def listing(gateway, agency: str, **params: Any) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    response = await gateway.http.get(
        "/v1/referrals", params=params, headers=gateway.agency(agency)
    )
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


async def item(gateway, agency: str, referral_id: uuid.UUID, with_resident: bool = True):  # type: ignore[no-untyped-def]
    """The referral in the agency's list once it (and, if asked, its resident) has arrived."""
    for found in (await listing(gateway, agency, limit=200))["items"]:
        if found["referral_id"] == str(referral_id) and (found["resident"] or not with_resident):
            return found
    return None


async def action(gateway, agency: str, referral_id, name: str, body=None, key=None):  # type: ignore[no-untyped-def]
    headers = {**gateway.agency(agency), "Idempotency-Key": key or str(uuid.uuid4())}
    return await gateway.http.post(
        f"/v1/referrals/{referral_id}/{name}", json=body, headers=headers
    )


async def audit_rows(gateway, referral_id: uuid.UUID) -> list[asyncpg.Record]:  # type: ignore[no-untyped-def]
    conn = await asyncpg.connect(gateway.dsn)
    try:
        return await conn.fetch(
            "SELECT agency_code, fields, at FROM audit_log WHERE referral_id = $1 ORDER BY id",
            referral_id,
        )
    finally:
        await conn.close()


async def test_referrals_reach_their_agency_with_the_allowed_data_in_either_order(gateway) -> None:  # type: ignore[no-untyped-def]
    before, after = uuid.uuid4(), uuid.uuid4()
    sensitive = dispatched(before, "JKN-PBI", "DINSOS")
    special = dispatched(after, "KEKERASAN", "DP3A")
    basic = dispatched(after, "RTLH", "DISPERKIM")
    # Personal data first for one complaint; the referrals first for the other.
    await produce(
        gateway,
        (topics.COMPLAINT_PII, pii(before, "Siti Aminah"), before),
        (topics.REFERRAL_DISPATCHED, sensitive, before),
        (topics.REFERRAL_DISPATCHED, special, after),
        (topics.REFERRAL_DISPATCHED, basic, after),
    )
    await eventually(lambda: item(gateway, "DP3A", special.referral_id, with_resident=False))
    await produce(gateway, (topics.COMPLAINT_PII, pii(after, "Rina"), after))

    dinsos = await eventually(lambda: item(gateway, "DINSOS", sensitive.referral_id))
    assert dinsos["status"] == "dispatched" and dinsos["service_code"] == "JKN-PBI"
    assert dinsos["resident"] == {
        "nik": "3215024107800001",
        "name": "Siti Aminah",
        "phone": "+6281234567890",
        "address": "Dusun Krajan RT 02/RW 01",
    }
    dp3a = await eventually(lambda: item(gateway, "DP3A", special.referral_id))
    assert dp3a["resident"]["description"] == "Korban kekerasan, perlu pendampingan."
    assert dp3a["resident"]["nik"] == "3215024107800001"
    disperkim = await eventually(lambda: item(gateway, "DISPERKIM", basic.referral_id))
    assert set(disperkim["resident"]) == {"name", "phone", "address"}

    one = await gateway.http.get(
        f"/v1/referrals/{sensitive.referral_id}", headers=gateway.agency("DINSOS")
    )
    assert one.status_code == 200 and one.json() == dinsos

    # Another agency: the referral does not exist for it, and its list is empty.
    theirs = await gateway.http.get(
        f"/v1/referrals/{sensitive.referral_id}", headers=gateway.agency("BPJSKES")
    )
    missing = await gateway.http.get(
        f"/v1/referrals/{uuid.uuid4()}", headers=gateway.agency("BPJSKES")
    )
    assert theirs.status_code == missing.status_code == 404
    assert (
        theirs.json()
        == missing.json()
        == {"error": {"code": "not_found", "message": "Rujukan tidak ditemukan."}}
    )
    empty = await listing(gateway, "BPJSKES")
    assert (empty["items"], empty["next_cursor"]) == ([], None)

    # Each agency's topic carries its own copies, limited like the API.
    dp3a_copies = await eventually(
        lambda: copies(gateway, "DP3A", after, lambda c: c["data"]["resident"])
    )
    assert dp3a_copies[-1]["data"]["resident"]["description"]
    disperkim_copies = await eventually(
        lambda: copies(gateway, "DISPERKIM", after, lambda c: c["data"]["resident"])
    )
    assert disperkim_copies[-1]["data"]["resident"]["nik"] is None
    assert disperkim_copies[-1]["data"]["resident"]["name"] == "Rina"
    assert {c["data"]["agency_code"] for c in disperkim_copies} == {"DISPERKIM"}
    assert await copies(gateway, "DINSOS", after, lambda c: True) == []

    # Every response with personal data left an audit entry of who read which fields.
    rows = await audit_rows(gateway, sensitive.referral_id)
    assert rows and {r["agency_code"] for r in rows} == {"DINSOS"}
    assert set(rows[-1]["fields"]) == {"nik", "name", "phone", "address"}
    assert {tuple(r["fields"]) for r in await audit_rows(gateway, basic.referral_id)} == {
        ("address", "name", "phone")
    }


async def test_acting_on_a_referral_announces_each_change_once(gateway) -> None:  # type: ignore[no-untyped-def]
    complaint_id = uuid.uuid4()
    referral = dispatched(complaint_id, "LANSIA", "DINSOS")
    await produce(
        gateway,
        (topics.REFERRAL_DISPATCHED, referral, complaint_id),
        (topics.COMPLAINT_PII, pii(complaint_id, "Mbah Karto"), complaint_id),
    )
    await eventually(lambda: item(gateway, "DINSOS", referral.referral_id, with_resident=False))
    rid = referral.referral_id

    assert (await action(gateway, "DINSOS", rid, "reject", {})).status_code == 422
    blank = await action(gateway, "DINSOS", rid, "reject", {"reason": "  "})
    assert (blank.status_code, blank.json()["error"]["code"]) == (422, "reason_required")
    assert (await action(gateway, "DINSOS", rid, "resolve", {"outcome": "x"})).status_code == 422
    other = await action(gateway, "BPJSKES", rid, "acknowledge")
    assert other.status_code == 404

    acknowledged = await action(gateway, "DINSOS", rid, "acknowledge", {"note": "Diterima"})
    assert acknowledged.status_code == 200, acknowledged.text
    assert acknowledged.json()["status"] == "acknowledged"
    key = str(uuid.uuid4())
    body = {"outcome": "resolved", "note": "Masuk panti"}
    resolved = await action(gateway, "DINSOS", rid, "resolve", body, key=key)
    assert resolved.status_code == 200, resolved.text
    repeat = await action(gateway, "DINSOS", rid, "resolve", body, key=key)
    assert (repeat.status_code, repeat.json()) == (200, resolved.json())
    assert resolved.json()["outcome"] == "resolved"
    reused = await action(gateway, "DINSOS", rid, "resolve", {"outcome": "unresolvable"}, key=key)
    assert (reused.status_code, reused.json()["error"]["code"]) == (409, "idempotency_key_reused")
    late = await action(gateway, "DINSOS", rid, "acknowledge")
    assert (late.status_code, late.json()["error"]["code"]) == (409, "invalid_transition")
    assert (await action(gateway, "DINSOS", rid, "reject", {"reason": "x"})).status_code == 409

    await eventually(lambda: about(gateway, topics.REFERRAL_UPDATED, complaint_id))
    await eventually(lambda: about(gateway, topics.CASE_RESOLVED, complaint_id))
    await asyncio.sleep(1.5)  # time for anything else the relay might still publish
    updated = await about(gateway, topics.REFERRAL_UPDATED, complaint_id)
    closed = await about(gateway, topics.CASE_RESOLVED, complaint_id)
    assert [e["data"]["status"] for e in updated] == ["acknowledged"]
    assert updated[0]["source"] == "/slrt/agency-gateway"
    # The agency's notes stay in the gateway: the events carry none.
    assert updated[0]["data"].get("note") is None
    assert len(closed) == 1
    assert closed[0]["type"] == "id.slrt.case.resolved.v1"
    assert (closed[0]["data"]["outcome"], closed[0]["data"].get("note")) == ("resolved", None)
    assert closed[0]["data"]["agency_code"] == "DINSOS"

    final_copies = await eventually(
        lambda: copies(gateway, "DINSOS", complaint_id, lambda c: c["data"]["outcome"])
    )
    assert final_copies[-1]["data"]["status"] == "resolved"
    changes = [c["data"]["change"] for c in await copies(gateway, "DINSOS", complaint_id, bool)]
    assert changes.count("id.slrt.referral.updated.v1") == 1
    assert changes.count("id.slrt.case.resolved.v1") == 1
    assert "id.slrt.referral.dispatched.v1" in changes

    final = await gateway.http.get(f"/v1/referrals/{rid}", headers=gateway.agency("DINSOS"))
    assert (final.json()["status"], final.json()["outcome"]) == ("resolved", "resolved")
    assert final.json()["note"] == "Masuk panti"


async def test_an_escalation_reaches_the_agency(gateway) -> None:  # type: ignore[no-untyped-def]
    complaint_id = uuid.uuid4()
    referral = dispatched(complaint_id, "KESEHATAN", "DINKES")
    escalation = ReferralEscalated(
        referral_id=referral.referral_id, complaint_id=complaint_id, level="kecamatan", at=NOW
    )
    await produce(
        gateway,
        (topics.REFERRAL_DISPATCHED, referral, complaint_id),
        (topics.REFERRAL_ESCALATED, escalation, complaint_id),
    )

    async def escalated() -> Any:
        found = await item(gateway, "DINKES", referral.referral_id, with_resident=False)
        return found if found and found["escalation_level"] else None

    shown = await eventually(escalated)
    assert (shown["escalation_level"], shown["status"], shown["resident"]) == (
        "kecamatan",
        "dispatched",
        None,
    )
    escalated_copies = await eventually(
        lambda: copies(gateway, "DINKES", complaint_id, lambda c: c["data"]["escalation_level"])
    )
    assert escalated_copies[-1]["data"]["change"] == "id.slrt.referral.escalated.v1"
    # Nothing personal was shown, so nothing was audited.
    assert await audit_rows(gateway, referral.referral_id) == []


async def test_the_list_pages_with_an_opaque_cursor_and_filters_by_status(gateway) -> None:  # type: ignore[no-untyped-def]
    complaint_id = uuid.uuid4()
    referrals = [dispatched(complaint_id, "KERJA", "DISNAKERTRANS") for _ in range(5)]
    await produce(gateway, *((topics.REFERRAL_DISPATCHED, r, complaint_id) for r in referrals))
    await eventually(
        lambda: item(gateway, "DISNAKERTRANS", referrals[-1].referral_id, with_resident=False)
    )
    first = referrals[0].referral_id
    assert (await action(gateway, "DISNAKERTRANS", first, "acknowledge")).status_code == 200

    seen: list[str] = []
    cursor = None
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = await listing(gateway, "DISNAKERTRANS", **params)
        assert len(page["items"]) <= 2
        seen += [i["referral_id"] for i in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
        assert not cursor.isdigit()
    assert sorted(seen) == sorted(str(r.referral_id) for r in referrals)
    assert len(seen) == len(set(seen))

    waiting = await listing(gateway, "DISNAKERTRANS", status="dispatched")
    assert str(first) not in {i["referral_id"] for i in waiting["items"]}
    assert len(waiting["items"]) == 4
    acknowledged = await listing(gateway, "DISNAKERTRANS", status="acknowledged")
    assert [i["referral_id"] for i in acknowledged["items"]] == [str(first)]

    bad = await gateway.http.get(
        "/v1/referrals", params={"cursor": "bm9wZQ"}, headers=gateway.agency("DISNAKERTRANS")
    )
    assert (bad.status_code, bad.json()["error"]["code"]) == (400, "invalid_cursor")
    unknown = await gateway.http.get(
        "/v1/referrals", params={"status": "lost"}, headers=gateway.agency("DISNAKERTRANS")
    )
    assert unknown.status_code == 422


async def test_only_an_active_agency_key_opens_the_api(gateway) -> None:  # type: ignore[no-untyped-def]
    conn = await asyncpg.connect(gateway.dsn)
    try:
        assert await conn.fetchval("SELECT count(*) FROM agency_keys") == len(gateway.keys)
        await conn.execute("UPDATE agency_keys SET revoked_at = now() WHERE agency_code = 'BPBD'")
    finally:
        await conn.close()
    for headers in (
        gateway.agency("BPBD"),
        {},
        {"Authorization": "Bearer ak_not-a-key"},
        {"Authorization": gateway.keys["DINSOS"]},
    ):
        listed = await gateway.http.get("/v1/referrals", headers=headers)
        assert (listed.status_code, listed.json()["error"]["code"]) == (401, "unauthenticated")
        acted = await gateway.http.post(
            f"/v1/referrals/{uuid.uuid4()}/acknowledge",
            headers={**headers, "Idempotency-Key": "k"},
        )
        assert acted.status_code == 401


async def test_requests_side_by_side_change_a_referral_once(gateway) -> None:  # type: ignore[no-untyped-def]
    complaint_id = uuid.uuid4()
    referral = dispatched(complaint_id, "LANSIA", "DINSOS")
    await produce(gateway, (topics.REFERRAL_DISPATCHED, referral, complaint_id))
    await eventually(lambda: item(gateway, "DINSOS", referral.referral_id, with_resident=False))
    rid = referral.referral_id

    # One key sent five times at once: the first saves it, the others wait for it and replay.
    key = str(uuid.uuid4())
    same = await asyncio.gather(
        *(action(gateway, "DINSOS", rid, "acknowledge", {"note": "x"}, key=key) for _ in range(5))
    )
    assert {(a.status_code, a.text) for a in same} == {(200, same[0].text)}
    # Five keys at once: each applied in its turn or refused by the status left before it.
    keys = await asyncio.gather(
        *(action(gateway, "DINSOS", rid, "progress", {"note": "y"}) for _ in range(3)),
        *(action(gateway, "DINSOS", rid, "resolve", {"outcome": "resolved"}) for _ in range(2)),
    )
    codes = sorted(a.status_code for a in keys)
    assert codes.count(200) >= 1 and set(codes) <= {200, 409}, [a.text for a in keys]
    # A body refused as it stands under a key saved before: the key's reuse is answered first.
    wrong = await action(gateway, "DINSOS", rid, "reject", {"reason": "  "}, key=key)
    assert (wrong.status_code, wrong.json()["error"]["code"]) == (409, "idempotency_key_reused")
    conn = await asyncpg.connect(gateway.dsn)
    try:
        kept = await conn.fetchval("SELECT count(*) FROM idempotency_keys WHERE key = $1", key)
    finally:
        await conn.close()
    assert kept == 1
    await eventually(lambda: about(gateway, topics.REFERRAL_UPDATED, complaint_id))
    await asyncio.sleep(1.5)  # time for anything else the relay might still publish
    updated = await about(gateway, topics.REFERRAL_UPDATED, complaint_id)
    assert [e["data"]["status"] for e in updated].count("acknowledged") == 1
