"""Agencies' notes and rejection reasons stay in the gateway; events carry reason codes."""

from __future__ import annotations

import asyncio
import json
import secrets
import uuid
from typing import Any

import asyncpg
import httpx
import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from .conftest import referrals_of

pytestmark = [pytest.mark.e2e, pytest.mark.integration]

VILLAGE = "32.15.03.2001"
RESIDENT_NIK = "3215034107800001"


def complaint() -> dict[str, object]:
    return {
        "village_code": VILLAGE,
        "needs": ["JKN-PBI"],
        "description": "PBI JKN tidak aktif.",
        "channel": "walk_in",
        "recorded_at": "2025-06-26T09:15:00+07:00",
        "resident": {"nik": RESIDENT_NIK, "name": "Rukmini", "phone": "081233334444"},
    }


def secrets_of_an_officer() -> dict[str, str]:
    """Free text an officer might type: another resident's NIK and name, and a diagnosis."""
    run = secrets.token_hex(3)
    nik = "3215" + "".join(secrets.choice("0123456789") for _ in range(12))
    return {
        "nik": nik,
        "name": f"Sulastri{run}",
        "diagnosis": f"skizofrenia-paranoid-{run}",
    }


def act(platform, agency: str, referral_id: str, action: str, body, **headers) -> httpx.Response:  # type: ignore[no-untyped-def]
    return httpx.post(
        f"{platform.urls['agency-gateway']}/v1/referrals/{referral_id}/{action}",
        headers={**platform.agency(agency), "Idempotency-Key": str(uuid.uuid4()), **headers},
        json=body,
    )


def read_referral(platform, agency: str, referral_id: str) -> httpx.Response:  # type: ignore[no-untyped-def]
    return httpx.get(
        f"{platform.urls['agency-gateway']}/v1/referrals/{referral_id}",
        headers=platform.agency(agency),
    )


async def every_record(env: Any) -> list[tuple[str, bytes, list[tuple[str, bytes]]]]:
    """Every record of every topic of the session, raw: topic, value, headers."""
    admin = AIOKafkaAdminClient(bootstrap_servers=env.kafka_bootstrap_servers)
    consumer = AIOKafkaConsumer(
        bootstrap_servers=env.kafka_bootstrap_servers, enable_auto_commit=False
    )
    await admin.start()
    await consumer.start()
    try:
        names = [t for t in await admin.list_topics() if t.startswith(env.topic_prefix)]
        described = await admin.describe_topics(names)
        parts = [
            TopicPartition(t["topic"], p["partition"])
            for t in described
            if not t.get("error_code")
            for p in t["partitions"]
        ]
        consumer.assign(parts)
        await consumer.seek_to_beginning(*parts)
        ends = await consumer.end_offsets(parts)
        found: list[tuple[str, bytes, list[tuple[str, bytes]]]] = []
        pending = [p for p in parts if ends[p] > 0]
        while pending:
            for part, batch in (await consumer.getmany(timeout_ms=500)).items():
                found += [(part.topic, r.value or b"", list(r.headers)) for r in batch]
            pending = [p for p in pending if await consumer.position(p) < ends[p]]
        return found
    finally:
        await consumer.stop()
        await admin.close()


def carrying(records: list[tuple[str, bytes, list[tuple[str, bytes]]]], text: str) -> list[str]:
    """The topics of the records whose value or a header holds the text."""
    needle = text.encode()
    return [
        topic
        for topic, value, headers in records
        if needle in value or any(needle in k.encode() or needle in v for k, v in headers)
    ]


def events_of(records, topic: str, referral_id: str) -> list[dict]:  # type: ignore[no-untyped-def]
    """The CloudEvents on one topic (by its name without prefix) about one referral."""
    found = []
    for name, value, _ in records:
        if name.endswith("." + topic) and referral_id.encode() in value:
            found.append(json.loads(value))
    return found


async def rows_holding(env: Any, schema: str, texts: list[str]) -> dict[str, int]:
    """How many rows of each table of a service's schema hold one of the texts, anywhere."""
    conn = await asyncpg.connect(env.admin_url.rsplit("/", 1)[0] + f"/{env.database}")
    try:
        tables = await conn.fetch(
            "SELECT table_name FROM information_schema.tables"
            " WHERE table_schema = $1 AND table_type = 'BASE TABLE'",
            schema,
        )
        patterns = [f"%{t}%" for t in texts]
        found = {}
        for table in tables:
            name = table["table_name"]
            count = await conn.fetchval(
                f'SELECT count(*) FROM "{schema}"."{name}" AS t WHERE t::text ILIKE ANY($1)',
                patterns,
            )
            if count:
                found[name] = count
        return found
    finally:
        await conn.close()


async def monitoring_saw_the_outcome(env: Any, referral_id: str) -> bool:
    """Whether monitoring has projected the referral's outcome."""
    conn = await asyncpg.connect(env.admin_url.rsplit("/", 1)[0] + f"/{env.database}")
    try:
        return bool(
            await conn.fetchval(
                "SELECT outcome IS NOT NULL FROM monitoring.referral_facts WHERE referral_id = $1",
                uuid.UUID(referral_id),
            )
        )
    finally:
        await conn.close()


def test_an_agencys_reason_and_note_stay_in_the_gateway_and_the_events_carry_the_code(  # type: ignore[no-untyped-def]
    platform, test_env, eventually
) -> None:
    officer = secrets_of_an_officer()
    reason = f"Bukan wewenang kami; yang datang Ibu {officer['name']} NIK {officer['nik']}."
    note = f"Sudah diperiksa: {officer['diagnosis']}, rujuk ke RSJ."
    accepted = platform.register(complaint())
    complaint_id, ticket = accepted["complaint_id"], accepted["ticket"]

    [first] = eventually(lambda: referrals_of(platform, "DINSOS", complaint_id))
    rejected = act(
        platform,
        "DINSOS",
        first["referral_id"],
        "reject",
        {"reason_code": "bukan_kewenangan", "reason": reason},
    )
    assert rejected.status_code == 200, rejected.text
    assert rejected.json()["reason_code"] == "bukan_kewenangan"
    [second] = eventually(lambda: referrals_of(platform, "BPJSKES", complaint_id))
    resolved = act(
        platform, "BPJSKES", second["referral_id"], "resolve", {"outcome": "resolved", "note": note}
    )
    assert resolved.status_code == 200, resolved.text

    # Referral and monitoring have read both events before anything is looked for.
    def case_closed() -> bool:
        case = httpx.get(
            f"{platform.urls['referral']}/v1/cases/{complaint_id}", headers=platform.district()
        ).json()
        return bool(case["status"] == "closed" and case)

    eventually(case_closed)
    eventually(lambda: asyncio.run(monitoring_saw_the_outcome(test_env, second["referral_id"])))
    tracked = eventually(
        lambda: (
            (t := httpx.get(f"{platform.urls['intake']}/v1/track/{ticket}").json())["status"]
            == "closed"
            and t
        )
    )

    # No record on any topic (values and headers, dead letters and agency topics included)
    # carries a word of the free text; the events carry the code.
    records = asyncio.run(every_record(test_env))
    for text in officer.values():
        assert carrying(records, text) == [], f"{text!r} is on a topic"
    [update] = [
        e
        for e in events_of(records, "referral.updated", first["referral_id"])
        if e["data"]["status"] == "rejected"
    ]
    assert update["data"]["reason_code"] == "bukan_kewenangan"
    assert update["data"].get("note") is None
    [outcome] = events_of(records, "case.resolved", second["referral_id"])
    assert outcome["data"]["outcome"] == "resolved"
    assert outcome["data"].get("note") is None

    # Referral and monitoring hold no copy; the gateway does (which shows the scan finds it).
    texts = list(officer.values())
    assert asyncio.run(rows_holding(test_env, "referral", texts)) == {}
    assert asyncio.run(rows_holding(test_env, "monitoring", texts)) == {}
    assert "referrals" in asyncio.run(rows_holding(test_env, "gateway", texts))
    case = httpx.get(
        f"{platform.urls['referral']}/v1/cases/{complaint_id}", headers=platform.district()
    ).json()
    by_agency = {r["agency_code"]: r for r in case["referrals"]}
    assert by_agency["DINSOS"]["reason_code"] == "bukan_kewenangan"
    assert by_agency["DINSOS"]["note"] is None and by_agency["BPJSKES"]["note"] is None

    # Each agency reads its own text through the gateway; the other one cannot.
    own = read_referral(platform, "DINSOS", first["referral_id"])
    assert own.status_code == 200
    assert (own.json()["note"], own.json()["reason_code"]) == (reason, "bukan_kewenangan")
    assert read_referral(platform, "BPJSKES", second["referral_id"]).json()["note"] == note
    assert read_referral(platform, "BPJSKES", first["referral_id"]).status_code == 404
    assert read_referral(platform, "DINSOS", second["referral_id"]).status_code == 404
    assert all(
        officer["nik"] not in json.dumps(r) for r in referrals_of(platform, "BPJSKES", complaint_id)
    )

    # The resident's public tracker and Open311 show the status, not the text.
    kinds = [step["kind"] for step in tracked["timeline"]]
    assert "rejected" in kinds and kinds[-1] == "closed"
    shown = {key for step in tracked["timeline"] for key in step}
    # Codes and dates only (a rejection's reason code, a staged need's stage; the platform's own
    # label of a secretariat step), never the text.
    codes = {"stage", "stage_index", "stages_total", "reason_code", "label"}
    assert shown <= {"at", "kind", "agency_code", "outcome", "level", "due_at", *codes}
    open311 = httpx.get(f"{platform.urls['intake']}/open311/v2/requests/{ticket}.json")
    for public in (json.dumps(tracked), open311.text):
        for text in texts:
            assert text not in public


def test_a_rejection_given_only_as_free_text_is_announced_as_lainnya(  # type: ignore[no-untyped-def]
    platform, test_env, eventually
) -> None:
    officer = secrets_of_an_officer()
    reason = f"Ibu {officer['name']} sudah kami bantu bulan lalu."
    accepted = platform.register(complaint())
    [first] = eventually(lambda: referrals_of(platform, "DINSOS", accepted["complaint_id"]))
    rejected = act(platform, "DINSOS", first["referral_id"], "reject", {"reason": reason})
    assert rejected.status_code == 200, rejected.text
    assert rejected.json()["reason_code"] == "lainnya"

    def announced() -> list[dict]:
        records = asyncio.run(every_record(test_env))
        return [
            e
            for e in events_of(records, "referral.updated", first["referral_id"])
            if e["data"]["status"] == "rejected"
        ]

    [update] = eventually(announced)
    assert update["data"]["reason_code"] == "lainnya"
    assert officer["name"] not in json.dumps(update)
    own = read_referral(platform, "DINSOS", first["referral_id"]).json()
    assert (own["note"], own["reason_code"]) == (reason, "lainnya")


def test_a_reason_code_off_the_list_or_no_reason_is_refused_with_a_code(  # type: ignore[no-untyped-def]
    platform, eventually
) -> None:
    accepted = platform.register(complaint())
    [first] = eventually(lambda: referrals_of(platform, "DINSOS", accepted["complaint_id"]))
    referral_id = first["referral_id"]

    bahasa = {"Accept-Language": "id"}
    unknown = act(platform, "DINSOS", referral_id, "reject", {"reason_code": "malas"}, **bahasa)
    assert unknown.status_code == 422, unknown.text
    assert unknown.json()["error"]["code"] == "unknown_reason_code"
    assert unknown.json()["error"]["message"].startswith("reason_code harus salah satu dari")
    english = act(
        platform,
        "DINSOS",
        referral_id,
        "reject",
        {"reason_code": "malas"},
        **{"Accept-Language": "en"},
    )
    assert english.json()["error"]["code"] == "unknown_reason_code"
    assert english.json()["error"]["message"].startswith("reason_code must be one of")
    assert "bukan_kewenangan" in english.json()["error"]["message"]

    nothing = act(platform, "DINSOS", referral_id, "reject", {}, **bahasa)
    assert nothing.status_code == 422, nothing.text
    assert nothing.json()["error"]["code"] == "reason_required"
    assert nothing.json()["error"]["message"].startswith("Sebutkan alasan penolakan")

    # Nothing was rejected: the referral is still the agency's, and open.
    assert read_referral(platform, "DINSOS", referral_id).json()["status"] == "dispatched"
