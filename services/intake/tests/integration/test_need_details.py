"""A need's detail on a real Kafka and Postgres: in by the JSON API, the batch and Open311,
kept with the complaint, carried on complaint.pii only, and erased with the description."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

import asyncpg
import pytest

from intake.adapters.repository import IntakeUnitOfWork
from intake.domain.errors import message
from intake.service_layer.erasure import EraseSubject, Requester, erase_subject
from slrt_devstack import fixtures
from slrt_devstack.testing import eventually
from slrt_shared.contracts import topics

from .conftest import REGENCY, VILLAGE, Intake
from .test_intake_flow import body, key, records_about

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]

DETAIL = "Kartu PBI ditolak di Puskesmas Cikampek sejak Maret 2025."
OTHER_DETAIL = "KK hilang saat banjir; perlu cetak ulang."


async def stored(intake: Intake, complaint_id: str) -> Any:
    """The needs' details column of a complaint, as Postgres holds it."""
    conn = await asyncpg.connect(intake.dsn)
    try:
        value = await conn.fetchval(
            "SELECT need_details FROM complaints WHERE id = $1", uuid.UUID(complaint_id)
        )
    finally:
        await conn.close()
    return json.loads(value) if value is not None else None


async def test_the_needs_details_are_kept_read_back_and_carried_on_the_personal_topic_only(
    intake: Intake,
) -> None:
    details = {"JKN-PBI": DETAIL, "ADMINDUK": OTHER_DETAIL}
    response = await intake.http.post(
        "/v1/complaints", json=body(need_details=details), headers={**intake.operator(), **key()}
    )
    assert response.status_code == 201, response.text
    complaint_id = response.json()["complaint_id"]
    assert await stored(intake, complaint_id) == details
    read = await intake.http.get(f"/v1/complaints/{complaint_id}", headers=intake.operator())
    assert read.json()["need_details"] == details
    [(_, _, pii)] = await eventually(
        lambda: records_about(intake, topics.COMPLAINT_PII, complaint_id)
    )
    assert pii["data"]["need_details"] == details
    [(_, _, created)] = await eventually(
        lambda: records_about(intake, topics.COMPLAINT_CREATED, complaint_id)
    )
    assert DETAIL not in json.dumps(created) and "need_details" not in created["data"]


async def test_a_complaint_without_details_keeps_none_and_its_event_carries_none(
    intake: Intake,
) -> None:
    response = await intake.http.post(
        "/v1/complaints", json=body(), headers={**intake.operator(), **key()}
    )
    complaint_id = response.json()["complaint_id"]
    assert await stored(intake, complaint_id) == {}
    [(_, _, pii)] = await eventually(
        lambda: records_about(intake, topics.COMPLAINT_PII, complaint_id)
    )
    assert pii["data"]["need_details"] == {}


@pytest.mark.parametrize("language", ["id", "en"])
@pytest.mark.parametrize(
    ("details", "code"),
    [
        ({"RTLH": DETAIL}, "need_detail_not_a_need"),
        ({"JKN-PBI": "x" * 501}, "need_detail_too_long"),
        ({"JKN-PBI": "   "}, "need_detail_required"),
    ],
)
async def test_a_detail_of_another_need_or_too_long_or_empty_is_a_coded_422(
    intake: Intake, details: dict[str, str], code: str, language: str
) -> None:
    [need] = details
    headers = {**intake.operator(), **key(), "Accept-Language": language}
    single = await intake.http.post(
        "/v1/complaints", json=body(need_details=details), headers=headers
    )
    assert single.status_code == 422
    error = single.json()["error"]
    assert error["code"] == "invalid_complaint"
    assert error["details"] == [
        {"field": f"need_details.{need}", "code": code, "message": message(code, language)}
    ]
    batch = await intake.http.post(
        "/v1/complaints/batch",
        json={"complaints": [{**body(need_details=details), "client_id": str(uuid.uuid4())}]},
        headers={**intake.operator(), "Accept-Language": language},
    )
    [item] = batch.json()["results"]
    assert item["result"] == "rejected"
    assert item["errors"] == [
        {"field": f"need_details.{need}", "code": code, "message": message(code, language)}
    ]


async def test_a_batch_item_carries_its_details_and_a_resend_is_the_same_request(
    intake: Intake,
) -> None:
    item = {**body(need_details={"ADMINDUK": OTHER_DETAIL}), "client_id": str(uuid.uuid4())}
    first = await intake.http.post(
        "/v1/complaints/batch", json={"complaints": [item]}, headers=intake.operator()
    )
    again = await intake.http.post(
        "/v1/complaints/batch", json={"complaints": [item]}, headers=intake.operator()
    )
    changed = {**item, "need_details": {"ADMINDUK": DETAIL}}
    other = await intake.http.post(
        "/v1/complaints/batch", json={"complaints": [changed]}, headers=intake.operator()
    )
    [created], [existing], [refused] = (r.json()["results"] for r in (first, again, other))
    assert (created["result"], existing["result"]) == ("created", "existing")
    assert existing["complaint_id"] == created["complaint_id"]
    assert refused["errors"][0]["code"] == "idempotency_key_reused"
    assert await stored(intake, created["complaint_id"]) == {"ADMINDUK": OTHER_DETAIL}
    [(_, _, pii)] = await eventually(
        lambda: records_about(intake, topics.COMPLAINT_PII, created["complaint_id"])
    )
    assert pii["data"]["need_details"] == {"ADMINDUK": OTHER_DETAIL}


async def test_open311_takes_the_detail_of_its_one_service_as_an_attribute(intake: Intake) -> None:
    token = intake.credentials["operators"][VILLAGE]
    form = {
        "api_key": token,
        "jurisdiction_id": REGENCY,
        "service_code": "JKN-PBI",
        "description": "BPJS PBI tidak aktif.",
        "first_name": "Siti",
        "last_name": "Aminah",
        "attribute[NIK]": "3215024107800001",
        "attribute[VILLAGE]": VILLAGE,
        "attribute[DETAIL]": DETAIL,
    }
    created = await intake.http.post("/open311/v2/requests.json", data=form)
    assert created.status_code == 201, created.text
    ticket = created.json()[0]["service_request_id"]
    too_long = await intake.http.post(
        "/open311/v2/requests.json", data={**form, "attribute[DETAIL]": "x" * 501}
    )
    assert too_long.status_code == 422
    assert message("need_detail_too_long", "en") in too_long.json()[0]["description"]
    definition = await intake.http.get(
        "/open311/v2/services/JKN-PBI.json", params={"jurisdiction_id": REGENCY}
    )
    [detail] = [a for a in definition.json()["attributes"] if a["code"] == "DETAIL"]
    assert detail["required"] is False
    conn = await asyncpg.connect(intake.dsn)
    try:
        value = await conn.fetchval("SELECT need_details FROM complaints WHERE ticket = $1", ticket)
    finally:
        await conn.close()
    assert json.loads(value) == {"JKN-PBI": DETAIL}


async def test_an_erasure_by_nik_erases_the_needs_details_with_the_description(
    intake: Intake,
) -> None:
    nik = "3215024107800002"
    response = await intake.http.post(
        "/v1/complaints",
        json=body(resident={"nik": nik}, need_details={"JKN-PBI": DETAIL}),
        headers={**intake.operator(), **key()},
    )
    complaint_id = response.json()["complaint_id"]
    requester = Requester("staf kabupaten (test)", "api", REGENCY)
    async with fixtures.pool(intake.dsn, "intake") as pool:
        command = EraseSubject(
            nik, "Permintaan warga 2026-12-01", requester, "k", datetime.now(UTC)
        )
        erased = await erase_subject(command, IntakeUnitOfWork(pool, intake.layout))
    assert [str(c) for c in erased] == [complaint_id]
    assert await stored(intake, complaint_id) is None
    read = await intake.http.get(f"/v1/complaints/{complaint_id}", headers=intake.district())
    assert read.json()["need_details"] is None and read.json()["description"] is None
