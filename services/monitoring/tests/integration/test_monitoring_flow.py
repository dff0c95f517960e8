"""Monitoring on a real Kafka and Postgres: events in, facts counted once, public answers out."""

from __future__ import annotations

import json
import re
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import pytest
from aiokafka import TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.structs import RecordMetadata

from slrt_devstack.testing import eventually, read_records
from slrt_shared import reference
from slrt_shared.contracts import topics
from slrt_shared.contracts.envelope import CONTENT_TYPE, CloudEvent, new_event
from slrt_shared.contracts.events import (
    CaseResolved,
    ComplaintClosed,
    ComplaintCreated,
    EventData,
    ReferralDispatched,
    ReferralOutcome,
    ReferralUpdated,
)

from .conftest import REGENCY, Monitoring

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]

NIK, NAME = "3215034107800009", "Siti Aminah"
NIK_LIKE = re.compile(r"(?<!\d)\d{16}(?!\d)")


async def produce(m: Monitoring, topic: str, value: bytes, key: str) -> RecordMetadata:
    """Publish a record value as another service would: keyed by the complaint id."""
    return await m.producer.send_and_wait(
        m.layout.name(topic),
        value,
        key=key.encode(),
        headers=[("content-type", CONTENT_TYPE.encode())],
    )


async def publish(m: Monitoring, data: EventData, complaint_id: uuid.UUID) -> CloudEvent:
    """Wrap a payload in a CloudEvent and publish it to its topic."""
    source = {
        topics.COMPLAINT_CREATED: "/slrt/intake",
        topics.CASE_RESOLVED: "/slrt/agency-gateway",
    }.get(data.topic, "/slrt/referral")
    event = new_event(data, source=source, subject=complaint_id)
    await produce(m, data.topic, event.to_bytes(), str(complaint_id))
    return event


async def consumed(m: Monitoring, sent: RecordMetadata) -> bool:
    """Whether monitoring's group has committed past a record (it commits after processing)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=m.kafka_bootstrap_servers)
    await admin.start()
    try:
        offsets = await admin.list_consumer_group_offsets(m.group_id)
    finally:
        await admin.close()
    committed = offsets.get(TopicPartition(sent.topic, sent.partition))
    return committed is not None and committed.offset > sent.offset


async def read_all(m: Monitoring, physical: str) -> list[Any]:
    """Every record of a topic up to its current end."""
    return await read_records(m.kafka_bootstrap_servers, physical)


def created(complaint_id: uuid.UUID, village: str, at: datetime) -> ComplaintCreated:
    """complaint.created of a complaint with one need."""
    return ComplaintCreated(
        complaint_id=complaint_id,
        ticket=f"SLRT-{str(complaint_id)[:8].upper()}",
        village_code=village,
        needs=["JKN-PBI"],
        channel="walk_in",
        received_at=at,
        recorded_at=at - timedelta(hours=2),
    )


def case_story(village: str, agency: str) -> tuple[ComplaintCreated, list[EventData]]:
    """A complaint referred once, resolved on time and closed: its creation, then the rest."""
    complaint_id, referral_id = uuid.uuid4(), uuid.uuid4()
    now = datetime.now(UTC)
    first = created(complaint_id, village, now)
    story: list[EventData] = [
        ReferralDispatched(
            referral_id=referral_id,
            complaint_id=complaint_id,
            ticket=first.ticket,
            village_code=village,
            service_code="JKN-PBI",
            agency_code=agency,
            attempt=1,
            dispatched_at=now,
            due_at=now + timedelta(days=7),
        ),
        CaseResolved(
            referral_id=referral_id,
            complaint_id=complaint_id,
            agency_code=agency,
            outcome="resolved",
            resolved_at=now + timedelta(hours=1),
        ),
        ComplaintClosed(
            complaint_id=complaint_id,
            ticket=first.ticket,
            village_code=village,
            closed_at=now + timedelta(hours=1),
            outcomes=[
                ReferralOutcome(
                    referral_id=referral_id,
                    service_code="JKN-PBI",
                    agency_code=agency,
                    outcome="resolved",
                )
            ],
        ),
    ]
    return first, story


async def a_whole_case(m: Monitoring, village: str, agency: str = "DINSOS") -> CloudEvent:
    """Publish a whole case in order; return the CloudEvent of its creation."""
    first, story = case_story(village, agency)
    creation = await publish(m, first, first.complaint_id)
    for data in story:
        await publish(m, data, first.complaint_id)
    return creation


async def card(m: Monitoring, village: str, **params: str) -> dict[str, Any]:
    """The village's report card."""
    response = await m.http.get(f"/v1/puskesos/{village}", params=params)
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


async def counted(m: Monitoring, village: str, received: int, closed: int) -> dict[str, Any] | None:
    """The report card once it shows these counts, else None."""
    report = await card(m, village)
    return report if (report["received"], report["closed"]) == (received, closed) else None


async def rankings(m: Monitoring, level: str, **params: str) -> dict[str, dict[str, Any]]:
    """A ranking's rows by code."""
    response = await m.http.get("/v1/rankings", params={"level": level, **params})
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["level"], body["regency"]) == (level, REGENCY)
    return {row["code"]: row for row in body["rows"]}


async def test_a_case_s_events_count_once_for_its_village(monitoring: Monitoring) -> None:
    village = "32.15.03.2001"
    creation = await a_whole_case(monitoring, village, agency="BPJSKES")

    report = await eventually(lambda: counted(monitoring, village, 1, 1))
    assert report["open_backlog"] == 0
    assert report["sla_compliance"] == 1.0
    assert report["period"] == "all"
    assert report["village"] == {"code": village, "name": "Telukjambe"}
    assert report["kecamatan"] == {"code": "32.15.03", "name": "Telukjambe Timur"}

    # The same CloudEvent again (same id), as a producer that retries would send it.
    again = await produce(
        monitoring, topics.COMPLAINT_CREATED, creation.to_bytes(), creation.subject
    )
    await eventually(lambda: consumed(monitoring, again))
    assert await counted(monitoring, village, 1, 1)

    month = datetime.now(UTC).strftime("%Y-%m")
    assert (await card(monitoring, village, period=month))["received"] == 1
    assert (await card(monitoring, village, period="2020-01"))["received"] == 0
    bad = await monitoring.http.get(f"/v1/puskesos/{village}", params={"period": "June"})
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "invalid_period"
    unknown = await monitoring.http.get("/v1/puskesos/32.15.99.9999")
    assert unknown.status_code == 404 and unknown.json()["error"]["code"] == "not_found"


async def test_a_malformed_record_is_dead_lettered_and_the_next_one_counts(
    monitoring: Monitoring,
) -> None:
    village = "32.15.03.2002"
    complaint_id = uuid.uuid4()
    # Same key as the valid event after it: the same partition, so it must be passed over.
    await produce(monitoring, topics.COMPLAINT_CREATED, b"not json", str(complaint_id))
    await publish(monitoring, created(complaint_id, village, datetime.now(UTC)), complaint_id)

    await eventually(lambda: counted(monitoring, village, 1, 0))

    async def dead_letters() -> list[Any]:
        records = await read_all(monitoring, monitoring.layout.dlq(topics.COMPLAINT_CREATED))
        return [r for r in records if r.key == str(complaint_id).encode()]

    [dead] = await eventually(dead_letters)
    assert dead.value == b"not json"
    headers = {k: v.decode() for k, v in dead.headers}
    assert headers["dlq-error-type"] == "InvalidEventError"
    assert headers["dlq-topic"] == monitoring.layout.name(topics.COMPLAINT_CREATED)


async def test_facts_that_arrive_before_their_complaint_are_kept(monitoring: Monitoring) -> None:
    village = "32.15.03.2003"
    first, story = case_story(village, "DISPERKIM")
    for data in story:
        await publish(monitoring, data, first.complaint_id)

    async def kept() -> bool:
        conn = await asyncpg.connect(monitoring.dsn)
        try:
            closed = await conn.fetchval(
                "SELECT closed_at IS NOT NULL AND received_at IS NULL FROM complaint_facts"
                " WHERE complaint_id = $1",
                first.complaint_id,
            )
            resolved = await conn.fetchval(
                "SELECT resolved_at IS NOT NULL AND due_at IS NOT NULL FROM referral_facts"
                " WHERE complaint_id = $1",
                first.complaint_id,
            )
            return bool(closed and resolved)
        finally:
            await conn.close()

    await eventually(kept)
    assert await counted(monitoring, village, 0, 0)  # not counted until it is seen created
    await publish(monitoring, first, first.complaint_id)

    report = await eventually(lambda: counted(monitoring, village, 1, 1))
    assert report["sla_compliance"] == 1.0

    agencies = await rankings(monitoring, "agency", period="all")
    disperkim = agencies["DISPERKIM"]
    assert (disperkim["referrals"], disperkim["resolved"], disperkim["rejection_rate"]) == (
        1,
        1,
        0.0,
    )
    assert disperkim["name"] == reference.agencies()["DISPERKIM"].name_id


async def test_rankings_by_village_kecamatan_and_agency(monitoring: Monitoring) -> None:
    village, idle, kecamatan = "32.15.05.2001", "32.15.05.2002", "32.15.05"
    for _ in range(2):
        await a_whole_case(monitoring, village, agency="BPBD")
    await eventually(lambda: counted(monitoring, village, 2, 2))
    month = datetime.now(UTC).strftime("%Y-%m")

    villages = await rankings(monitoring, "village", regency=REGENCY, period=month)
    assert (villages[village]["received"], villages[village]["closed"]) == (2, 2)
    assert (villages[village]["rank"], villages[village]["status"]) == (None, "too_few_cases")
    assert villages[idle]["status"] == "not_active"
    assert len(villages) > 300  # every village of the regency, active or not

    by_kecamatan = await rankings(monitoring, "kecamatan", regency=REGENCY, period=month)
    assert (by_kecamatan[kecamatan]["received"], by_kecamatan[kecamatan]["closed"]) == (2, 2)

    agencies = await rankings(monitoring, "agency", regency=REGENCY, period=month)
    assert (agencies["BPBD"]["referrals"], agencies["BPBD"]["resolved"]) == (2, 2)

    wrong = await monitoring.http.get("/v1/rankings", params={"level": "province"})
    assert wrong.status_code == 422 and wrong.json()["error"]["code"] == "invalid_level"
    for period in (month, "rolling-30d", "2020-01"):
        # The whole country's list, written out row by row, is the JSON a page of it gives.
        params = {"regency": "all", "level": "village", "period": period}
        whole = await monitoring.http.get("/v1/rankings", params=params)
        paged = await monitoring.http.get("/v1/rankings", params={**params, "limit": 10000})
        assert whole.status_code == 200 and whole.headers["content-type"] == "application/json"
        assert whole.json() | {"computed_at": None} == paged.json() | {"computed_at": None}
        assert {r["code"]: r for r in whole.json()["rows"]}[village]["received"] == (
            0 if period == "2020-01" else 2
        )
    for level in ("agency", "province"):
        refused = await monitoring.http.get(
            "/v1/rankings", params={"regency": "all", "level": level}
        )
        assert refused.status_code in (404, 422) and refused.json()["error"]["code"]
    elsewhere = await monitoring.http.get("/v1/rankings", params={"regency": "32.16"})
    assert elsewhere.status_code == 404


async def test_the_public_page_shows_this_month_s_ranking(monitoring: Monitoring) -> None:
    village = "32.15.04.2003"
    await a_whole_case(monitoring, village)
    await eventually(lambda: counted(monitoring, village, 1, 1))

    response = await monitoring.http.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    html = response.text
    assert '<html lang="id">' in html
    assert "Peringkat Puskesos Kabupaten Karawang" in html
    assert datetime.now(UTC).strftime("%Y-%m") in html
    # The ranking's table; the map and the under-performers link the village too.
    table = html.split('id="ranking"')[1].split("</table>")[0]
    [row] = [r for r in table.split("<tr>") if f'href="/puskesos/{village}?' in r]
    assert '<td class="n">1</td><td class="n">1 (100%)</td>' in row


async def test_ranking_updates_are_published_on_kafka(monitoring: Monitoring) -> None:
    village = "32.15.04.2004"
    await a_whole_case(monitoring, village)
    await eventually(lambda: counted(monitoring, village, 1, 1))
    month = datetime.now(UTC).strftime("%Y-%m")

    async def announced() -> list[Any]:
        records = await read_all(monitoring, monitoring.layout.name(topics.RANKING_UPDATED))
        found = []
        for record in records:
            event = json.loads(record.value)
            data = event["data"]
            if (data["regency_code"], data["period"], data["level"]) != (REGENCY, month, "village"):
                continue
            rows = {row["code"]: row for row in data["rows"]}
            if rows.get(village, {}).get("closed") == 1:
                found.append(event)
        return found

    [event, *_] = await eventually(announced)
    assert event["type"] == "id.slrt.ranking.updated.v1"
    assert event["source"] == "/slrt/monitoring"


async def test_public_answers_carry_no_personal_data(monitoring: Monitoring) -> None:
    village = "32.15.04.2005"
    complaint_id = uuid.uuid4()
    # A producer that wrongly adds personal data to complaint.created: monitoring drops it.
    leaky = new_event(
        created(complaint_id, village, datetime.now(UTC)),
        source="/slrt/intake",
        subject=complaint_id,
    )
    leaky = leaky.model_copy(update={"data": {**leaky.data, "nik": NIK, "name": NAME}})
    await produce(monitoring, topics.COMPLAINT_CREATED, leaky.to_bytes(), str(complaint_id))
    await eventually(lambda: counted(monitoring, village, 1, 0))

    answers = []
    for path in (
        "/",
        f"/puskesos/{village}",
        f"/v1/puskesos/{village}",
        "/v1/rankings?level=village&period=all",
        "/v1/rankings?level=kecamatan&period=all",
        "/v1/rankings?level=agency&period=all",
        "/v1/rankings.csv?level=village&period=all",
        "/openapi.json",
    ):
        response = await monitoring.http.get(path)
        assert response.status_code == 200, path
        answers.append(response.text)
    conn = await asyncpg.connect(monitoring.dsn)
    try:
        for table in ("regions", "complaint_facts", "referral_facts", "inbox"):
            rows = await conn.fetch(f"SELECT * FROM {table}")
            answers.append(json.dumps([dict(r) for r in rows], default=str))
    finally:
        await conn.close()
    for text in answers:
        assert NIK not in text and NAME not in text
        assert not NIK_LIKE.search(text)


async def test_rejections_are_counted_per_reason_code_and_no_note_is_kept(
    monitoring: Monitoring,
) -> None:
    village, agency, note = "32.15.03.2004", "DISDIK", f"Ibu Sulastri {uuid.uuid4().hex}"
    now = datetime.now(UTC)
    # Two rejections with a code, one as events from before the codes were: free text only.
    for reason_code, text in (("bukan_kewenangan", None), ("di_luar_wilayah", None), (None, note)):
        first = created(uuid.uuid4(), village, now)
        referral_id = uuid.uuid4()
        await publish(monitoring, first, first.complaint_id)
        dispatched = ReferralDispatched(
            referral_id=referral_id,
            complaint_id=first.complaint_id,
            ticket=first.ticket,
            village_code=village,
            service_code="PIP",
            agency_code=agency,
            attempt=1,
            dispatched_at=now,
            due_at=now + timedelta(days=14),
        )
        rejected = ReferralUpdated(
            referral_id=referral_id,
            complaint_id=first.complaint_id,
            agency_code=agency,
            status="rejected",
            reason_code=reason_code,
            note=text,
            at=now,
        )
        for data in (dispatched, rejected):
            await publish(monitoring, data, first.complaint_id)

    async def counted_by_reason() -> dict[str, int] | None:
        row = (await rankings(monitoring, "agency", period="all")).get(agency)
        by_reason: dict[str, int] = row["rejections_by_reason"] if row else {}
        return by_reason if sum(by_reason.values()) == 3 else None

    by_reason = await eventually(counted_by_reason)
    assert by_reason == {"bukan_kewenangan": 1, "di_luar_wilayah": 1, "lainnya": 1}
    conn = await asyncpg.connect(monitoring.dsn)
    try:
        tables = await conn.fetch(
            "SELECT table_name FROM information_schema.tables"
            " WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'"
        )
        holding = [
            t["table_name"]
            for t in tables
            if await conn.fetchval(
                f'SELECT count(*) FROM "{t["table_name"]}" AS t WHERE t::text LIKE $1',
                f"%{note}%",
            )
        ]
    finally:
        await conn.close()
    assert holding == []


async def test_error_answers_are_in_bahasa_indonesia_unless_english_is_asked_for(
    monitoring: Monitoring,
) -> None:
    cases = [
        (
            "/v1/rankings",
            {"period": "June"},
            "period harus berupa YYYY-MM, rolling-30d atau all.",
            "period is YYYY-MM, rolling-30d or all.",
        ),
        (
            "/v1/rankings",
            {"level": "province"},
            "level harus salah satu dari village, kecamatan, agency.",
            "level is one of village, kecamatan, agency.",
        ),
        (
            "/v1/rankings",
            {"regency": "all", "level": "agency"},
            "Dinas diperingkat di dalam satu kabupaten/kota: sebutkan kabupaten/kotanya.",
            "Agencies are ranked within a regency: name the regency.",
        ),
        (
            "/v1/rankings",
            {"regency": "32.16"},
            "Kabupaten/kota ini tidak dilayani di sini.",
            "This regency is not served here.",
        ),
        (
            "/v1/puskesos/32.15.99.9999",
            {},
            "Desa/kelurahan tidak ditemukan.",
            "No such village.",
        ),
    ]
    for path, params, indonesian, english in cases:
        default = await monitoring.http.get(path, params=params)
        asked = await monitoring.http.get(path, params=params, headers={"Accept-Language": "en"})
        assert default.status_code == asked.status_code and default.status_code in (404, 422)
        assert default.json()["error"]["code"] == asked.json()["error"]["code"]
        assert default.json()["error"]["message"] == indonesian, path
        assert asked.json()["error"]["message"] == english, path
