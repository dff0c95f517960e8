"""Intake on a real Kafka and Postgres: HTTP in, events out, events in, the public tracker."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import pytest
from aiokafka import AIOKafkaProducer

from intake.adapters.repository import IntakeUnitOfWork
from intake.domain.tracking import TimelineEntry
from intake.entrypoints import cli_operators as admin
from slrt_devstack import fixtures
from slrt_devstack.testing import eventually, read_records
from slrt_shared import reference
from slrt_shared.contracts import topics
from slrt_shared.contracts.envelope import CONTENT_TYPE, CloudEvent, new_event
from slrt_shared.contracts.events import (
    CaseResolved,
    ComplaintClosed,
    EventData,
    ReferralOutcome,
    ReferralUpdated,
)

from .conftest import OTHER_VILLAGE, VILLAGE, Intake, dispatch_of

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]

NIK, NAME, PHONE = "3215024107800001", "Siti Aminah", "081234567890"
ADDRESS, DESCRIPTION = "Dusun Krajan RT 02/RW 01", "BPJS PBI tidak aktif sejak Maret; KK hilang."
PERSONAL = (NIK, NAME, "81234567890", ADDRESS, DESCRIPTION)


def body(**changes: Any) -> dict[str, Any]:
    """The request body DESIGN.md shows, with changes."""
    resident = {"nik": NIK, "name": NAME, "phone": PHONE, "address": ADDRESS}
    resident.update(changes.pop("resident", {}))
    return {
        "village_code": VILLAGE,
        "needs": ["JKN-PBI", "ADMINDUK"],
        "description": DESCRIPTION,
        "channel": "walk_in",
        "recorded_at": "2025-06-26T09:15:00+07:00",
        "resident": resident,
        **changes,
    }


def key() -> dict[str, str]:
    """A fresh Idempotency-Key header."""
    return {"Idempotency-Key": str(uuid.uuid4())}


async def read_topic(intake: Intake, topic: str) -> list[tuple[bytes, dict[str, bytes], Any]]:
    """Every record of a contract topic to its current end: (key, headers, CloudEvent JSON)."""
    records = await read_records(intake.kafka_bootstrap_servers, intake.layout.name(topic))
    return [(r.key, dict(r.headers), json.loads(r.value)) for r in records]


async def records_about(intake: Intake, topic: str, complaint_id: str) -> list[Any]:
    """The records of a topic whose subject is a complaint."""
    return [r for r in await read_topic(intake, topic) if r[2]["subject"] == complaint_id]


async def outbox_drained(intake: Intake) -> bool:
    """Whether the relay has published everything intake committed."""
    conn = await asyncpg.connect(intake.dsn)
    try:
        return await conn.fetchval("SELECT count(*) FROM outbox") == 0
    finally:
        await conn.close()


async def produce(intake: Intake, topic: str, event: CloudEvent) -> None:
    """Publish an event as another service would: keyed by the complaint id."""
    producer = AIOKafkaProducer(bootstrap_servers=intake.kafka_bootstrap_servers)
    await producer.start()
    try:
        await producer.send_and_wait(
            intake.layout.name(topic),
            event.to_bytes(),
            key=event.key,
            headers=[("content-type", CONTENT_TYPE.encode())],
        )
    finally:
        await producer.stop()


def event(data: EventData, complaint_id: str, source: str = "/slrt/agency-gateway") -> CloudEvent:
    """A CloudEvent about a complaint from another service."""
    return new_event(data, source=source, subject=complaint_id)


async def register(intake: Intake) -> dict[str, Any]:
    """Register a complaint and return the answer."""
    response = await intake.http.post(
        "/v1/complaints", json=body(), headers={**intake.operator(), **key()}
    )
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


async def test_a_complaint_posted_over_http_lands_on_both_topics_as_cloudevents(
    intake: Intake,
) -> None:
    response = await intake.http.post(
        "/v1/complaints", json=body(), headers={**intake.operator(), **key()}
    )
    assert response.status_code == 201, response.text
    answer = response.json()
    assert set(answer) >= {"complaint_id", "ticket", "status", "received_at"}
    assert answer["status"] == "received"
    assert answer["ticket"].startswith("SLRT-")
    complaint_id = answer["complaint_id"]

    [(created_key, created_headers, created)] = await eventually(
        lambda: records_about(intake, topics.COMPLAINT_CREATED, complaint_id)
    )
    [(pii_key, _, pii)] = await eventually(
        lambda: records_about(intake, topics.COMPLAINT_PII, complaint_id)
    )
    for record_key, envelope, kind in ((created_key, created, "created"), (pii_key, pii, "pii")):
        assert record_key == complaint_id.encode()
        assert envelope["specversion"] == "1.0"
        assert envelope["source"] == "/slrt/intake"
        assert envelope["type"] == f"id.slrt.complaint.{kind}.v1"
        assert envelope["subject"] == complaint_id
        assert envelope["datacontenttype"] == "application/json"
        uuid.UUID(envelope["id"])
        datetime.fromisoformat(envelope["time"])
    assert created_headers["content-type"] == CONTENT_TYPE.encode()
    assert created["id"] != pii["id"]
    assert created["data"]["ticket"] == answer["ticket"]
    assert created["data"]["village_code"] == VILLAGE
    assert created["data"]["needs"] == ["JKN-PBI", "ADMINDUK"]
    assert created["data"]["channel"] == "walk_in"
    assert not {"nik", "name", "phone", "address", "description"} & set(created["data"])
    assert not any(value in json.dumps(created) for value in PERSONAL)
    assert pii["data"]["nik"] == NIK
    assert pii["data"]["name"] == NAME
    assert pii["data"]["phone"] == "+6281234567890"
    assert pii["data"]["address"] == ADDRESS
    assert pii["data"]["description"] == DESCRIPTION


async def test_a_repeat_with_the_same_key_answers_the_same_and_publishes_nothing_more(
    intake: Intake,
) -> None:
    headers = {**intake.operator(), **key()}
    first = await intake.http.post("/v1/complaints", json=body(), headers=headers)
    again = await intake.http.post("/v1/complaints", json=body(), headers=headers)
    assert (first.status_code, again.status_code) == (201, 200)
    # The same answer, but for the resident's code: shown once, to the request that created it.
    assert again.json() == {**first.json(), "resident_code": None}
    complaint_id = first.json()["complaint_id"]

    await eventually(lambda: outbox_drained(intake))
    assert len(await records_about(intake, topics.COMPLAINT_CREATED, complaint_id)) == 1
    assert len(await records_about(intake, topics.COMPLAINT_PII, complaint_id)) == 1
    conn = await asyncpg.connect(intake.dsn)
    try:
        stored = await conn.fetchval(
            "SELECT count(*) FROM complaints c JOIN idempotency_keys k"
            " ON k.response ->> 'complaint_id' = c.id::text"
            " WHERE k.key = $1",
            headers["Idempotency-Key"],
        )
    finally:
        await conn.close()
    assert stored == 1


async def test_the_same_key_with_another_body_is_a_conflict(intake: Intake) -> None:
    headers = {**intake.operator(), **key()}
    first = await intake.http.post("/v1/complaints", json=body(), headers=headers)
    other = await intake.http.post("/v1/complaints", json=body(needs=["PKH"]), headers=headers)
    assert (first.status_code, other.status_code) == (201, 409)
    assert other.json()["error"]["code"] == "idempotency_key_reused"


async def test_the_same_key_from_another_operator_is_another_complaint(intake: Intake) -> None:
    same_key = key()
    mine = await intake.http.post(
        "/v1/complaints", json=body(), headers={**intake.operator(), **same_key}
    )
    theirs = await intake.http.post(
        "/v1/complaints",
        json=body(village_code=OTHER_VILLAGE),
        headers={**intake.operator(OTHER_VILLAGE), **same_key},
    )
    assert (mine.status_code, theirs.status_code) == (201, 201)
    assert mine.json()["complaint_id"] != theirs.json()["complaint_id"]


@pytest.mark.parametrize(
    ("who", "payload", "status", "code"),
    [
        ("nobody", body(), 401, "unauthenticated"),
        ("forger", body(), 401, "unauthenticated"),
        ("basic", body(), 401, "unauthenticated"),
        ("nobody", {"surprise": True}, 401, "unauthenticated"),  # learns nothing of the body
        ("operator", body(village_code=OTHER_VILLAGE), 403, "wrong_village"),
        ("district", body(), 403, "wrong_village"),
    ],
)
async def test_only_the_village_operator_may_register(
    intake: Intake, who: str, payload: dict[str, Any], status: int, code: str
) -> None:
    headers = {
        "nobody": {},
        "forger": {"Authorization": "Bearer op_not-a-token"},
        "basic": {"Authorization": "Basic b3A6b3A="},
        "operator": intake.operator(),
        "district": intake.district(),
    }[who]
    response = await intake.http.post("/v1/complaints", json=payload, headers={**headers, **key()})
    assert response.status_code == status, response.text
    assert response.json()["error"]["code"] == code


async def test_a_revoked_token_is_refused_at_once(intake: Intake) -> None:
    conn = await asyncpg.connect(intake.dsn)
    try:
        token_id, token = await admin.issue(conn, village=VILLAGE, regency=None, label="cadangan")
        headers = {"Authorization": f"Bearer {token}"}
        accepted = await intake.http.post(
            "/v1/complaints", json=body(), headers={**headers, **key()}
        )
        assert await admin.revoke(conn, token_id)
    finally:
        await conn.close()
    refused = await intake.http.post("/v1/complaints", json=body(), headers={**headers, **key()})
    assert (accepted.status_code, refused.status_code) == (201, 401)


async def test_a_request_without_an_idempotency_key_is_refused(intake: Intake) -> None:
    response = await intake.http.post("/v1/complaints", json=body(), headers=intake.operator())
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "idempotency_key_required"


async def test_unknown_fields_and_invalid_values_get_coded_details(intake: Intake) -> None:
    headers = {**intake.operator(), **key(), "Accept-Language": "en"}
    extra = await intake.http.post("/v1/complaints", json=body(priority="high"), headers=headers)
    assert extra.status_code == 422
    assert {"field": "priority", "code": "unknown_field"} in [
        {"field": d["field"], "code": d["code"]} for d in extra.json()["error"]["details"]
    ]
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    invalid = await intake.http.post(
        "/v1/complaints",
        json=body(needs=["PIZZA"], recorded_at=tomorrow, resident={"nik": "12345"}),
        headers={**headers, **key()},
    )
    assert invalid.status_code == 422
    error = invalid.json()["error"]
    assert error["code"] == "invalid_complaint"
    assert {(d["field"], d["code"]) for d in error["details"]} == {
        ("needs", "unknown_service"),
        ("recorded_at", "recorded_in_future"),
        ("resident.nik", "invalid_nik"),
    }
    assert all(d["message"] for d in error["details"])


async def test_the_village_operator_and_district_staff_read_the_complaint_and_are_logged(
    intake: Intake,
) -> None:
    complaint_id = (await register(intake))["complaint_id"]
    path = f"/v1/complaints/{complaint_id}"
    own = await intake.http.get(path, headers=intake.operator())
    staff = await intake.http.get(path, headers=intake.district())
    other = await intake.http.get(path, headers=intake.operator(OTHER_VILLAGE))
    missing = await intake.http.get(f"/v1/complaints/{uuid.uuid4()}", headers=intake.operator())
    anonymous = await intake.http.get(path)
    assert (own.status_code, staff.status_code) == (200, 200)
    assert (other.status_code, missing.status_code, anonymous.status_code) == (404, 404, 401)
    assert own.json()["resident"]["nik"] == NIK
    assert own.json()["description"] == DESCRIPTION
    assert staff.json() == own.json()
    conn = await asyncpg.connect(intake.dsn)
    try:
        reads = await conn.fetch(
            "SELECT o.kind, r.fields FROM pii_reads r JOIN operators o ON o.token_hash = r.reader"
            " WHERE r.complaint_id = $1 ORDER BY r.id",
            uuid.UUID(complaint_id),
        )
    finally:
        await conn.close()
    assert [r["kind"] for r in reads] == ["operator", "district"]
    assert "nik" in reads[0]["fields"]


async def test_events_from_referral_and_agencies_move_the_public_tracker(intake: Intake) -> None:
    answer = await register(intake)
    complaint_id, ticket = answer["complaint_id"], answer["ticket"]
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=1)
    referral_id = uuid.uuid4()

    async def tracker() -> dict[str, Any]:
        response = await intake.http.get(f"/v1/track/{ticket}")
        assert response.status_code == 200, response.text
        return response.json()  # type: ignore[no-any-return]

    async def tracked(status: str) -> dict[str, Any] | None:
        view = await tracker()
        return view if view["status"] == status else None

    async def recorded(kind: str) -> bool:
        return kind in [e["kind"] for e in (await tracker())["timeline"]]

    dispatched = event(
        dispatch_of(referral_id, complaint_id, ticket, start),
        complaint_id,
        source="/slrt/referral",
    )
    await produce(intake, topics.REFERRAL_DISPATCHED, dispatched)
    await produce(intake, topics.REFERRAL_DISPATCHED, dispatched)  # delivered twice
    referred = await eventually(lambda: tracked("referred"))
    assert [(e["kind"], e["agency_code"]) for e in referred["timeline"]] == [
        ("received", None),
        ("referred", "BPJSKES"),
    ]

    updated = ReferralUpdated(
        referral_id=referral_id,
        complaint_id=complaint_id,
        agency_code="BPJSKES",
        status="acknowledged",
        at=start + timedelta(minutes=1),
    )
    await produce(intake, topics.REFERRAL_UPDATED, event(updated, complaint_id))
    await eventually(lambda: tracked("in_progress"))
    resolved = CaseResolved(
        referral_id=referral_id,
        complaint_id=complaint_id,
        agency_code="BPJSKES",
        outcome="resolved",
        note="PBI aktif kembali.",
        resolved_at=start + timedelta(minutes=2),
    )
    await produce(intake, topics.CASE_RESOLVED, event(resolved, complaint_id))
    await eventually(lambda: recorded("resolved"))
    closed_at = start + timedelta(minutes=3)
    outcome = ReferralOutcome(
        referral_id=referral_id, service_code="JKN-PBI", agency_code="BPJSKES", outcome="resolved"
    )
    closing = ComplaintClosed(
        complaint_id=complaint_id,
        ticket=ticket,
        village_code=VILLAGE,
        closed_at=closed_at,
        outcomes=[outcome],
    )
    await produce(
        intake, topics.COMPLAINT_CLOSED, event(closing, complaint_id, source="/slrt/referral")
    )

    closed = await eventually(lambda: tracked("closed"))
    timeline = closed["timeline"]
    assert [e["kind"] for e in timeline] == [
        "received",
        "referred",
        "acknowledged",
        "resolved",
        "closed",
    ]
    assert timeline[3]["outcome"] == "resolved"
    assert datetime.fromisoformat(closed["closed_at"]) == closed_at
    assert closed["village"]["code"] == VILLAGE and closed["village"]["name"]
    assert closed["needs"] == ["JKN-PBI", "ADMINDUK"]
    assert set(closed) == {
        "ticket",
        "status",
        "village",
        "needs",
        "service_names",
        "received_at",
        "closed_at",
        "reopen_until",
        "reopenings",
        "timeline",
        "stages",
    }
    assert closed["stages"] == []  # single-step needs have no stage
    assert not any(value in json.dumps(closed) for value in PERSONAL)
    stored = await intake.http.get(f"/v1/complaints/{complaint_id}", headers=intake.operator())
    assert (stored.json()["status"], stored.json()["closed_at"]) == ("closed", closed["closed_at"])


async def test_a_timeline_entry_is_kept_once_per_event_even_past_the_inbox(intake: Intake) -> None:
    complaint_id = uuid.UUID((await register(intake))["complaint_id"])
    event_id = uuid.uuid4()
    later = datetime.now(UTC) + timedelta(minutes=1)
    async with fixtures.pool(intake.dsn, "intake") as pool:
        for _ in range(2):
            async with IntakeUnitOfWork(pool, intake.layout) as uow:
                await uow.append(complaint_id, event_id, TimelineEntry(later, "escalated"))
                await uow.commit()
        async with IntakeUnitOfWork(pool, intake.layout) as uow:
            kinds = [e.kind for e in await uow.timeline(complaint_id)]
    assert kinds == ["received", "escalated"]


async def test_an_unknown_ticket_is_not_found(intake: Intake) -> None:
    response = await intake.http.get("/v1/track/SLRT-0000-0000")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


async def test_the_seed_loaded_the_regency_the_catalogue_and_the_tokens_once(
    intake: Intake,
) -> None:
    conn = await asyncpg.connect(intake.dsn)
    try:
        villages = await conn.fetchval("SELECT count(*) FROM villages")
        elsewhere = await conn.fetchval(
            "SELECT count(*) FROM villages WHERE regency_code <> '32.15'"
        )
        services = await conn.fetchval("SELECT count(*) FROM services")
        operators = await conn.fetch(
            "SELECT kind, village_code, regency_code FROM operators WHERE label <> 'cadangan'"
            " ORDER BY kind, village_code"
        )
    finally:
        await conn.close()
    expected = (len(reference.villages("32.15")), 0, len(reference.services()))
    assert (villages, elsewhere, services) == expected
    assert [tuple(r) for r in operators] == [
        ("district", None, "32.15"),
        ("operator", VILLAGE, "32.15"),
        ("operator", OTHER_VILLAGE, "32.15"),
    ]
