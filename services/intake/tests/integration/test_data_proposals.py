"""DTSEN data proposals on a real Kafka and Postgres: a proposal becomes a DTSEN case whose
complaint.created carries its codes and whose household travels on complaint.pii only; each
refusal answers its code and changes nothing (no row, no outbox record); the list shows each
proposal's stage, whether it waits at the village and its decision, to its village's operator
and the district, without a NIK or KK number."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import pytest

from intake.domain.data_proposals import local_date
from intake.domain.errors import message
from slrt_devstack.testing import eventually
from slrt_shared.contracts import topics
from slrt_shared.contracts.events import ComplaintClosed, ReferralOutcome, ReferralUpdated

from .conftest import OTHER_VILLAGE, VILLAGE, Intake
from .test_intake_flow import event, key, produce, records_about
from .test_stage_completion import staged

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]

NIKS = iter(f"32150241078{n:05d}" for n in range(50001, 59999))


def today() -> str:
    return local_date(datetime.now(UTC)).isoformat()


def removal(**changes: Any) -> dict[str, Any]:
    return {
        "kind": "penghapusan",
        "removal_reason": "meninggal",
        "deliberation_date": today(),
        "kk_number": f"3215020101{uuid.uuid4().int % 10**6:06d}",
        "head_nik": next(NIKS),
        "head_name": "Siti Aminah",
    } | changes


async def send(intake: Intake, body: dict[str, Any], **headers: str) -> Any:
    return await intake.http.post(
        "/v1/data-proposals", json=body, headers={**intake.operator(), **key(), **headers}
    )


async def counts(intake: Intake) -> list[int]:
    """Complaints, proposals, keys, and outbox records ever written (the sequence: a rolled
    back insert moves it too)."""
    conn = await asyncpg.connect(intake.dsn)
    try:
        row = await conn.fetchrow(
            "SELECT (SELECT count(*) FROM complaints) AS c,"
            " (SELECT count(*) FROM data_proposals) AS p,"
            " (SELECT count(*) FROM idempotency_keys) AS k,"
            " (SELECT last_value FROM outbox_id_seq) AS o"
        )
        return list(row)
    finally:
        await conn.close()


async def test_a_removal_becomes_a_dtsen_case_its_household_on_the_personal_topic_only(
    intake: Intake,
) -> None:
    body = removal()
    response = await send(intake, body)
    assert response.status_code == 201, response.text
    complaint_id = response.json()["complaint_id"]
    [(_, _, created)] = await eventually(
        lambda: records_about(intake, topics.COMPLAINT_CREATED, complaint_id)
    )
    assert created["data"]["needs"] == ["DTSEN"]
    assert created["data"]["data_proposal"] == {
        "kind": "penghapusan",
        "removal_reason": "meninggal",
        "deliberation_date": today(),
    }
    text = json.dumps(created)
    assert body["kk_number"] not in text and body["head_nik"] not in text
    assert body["head_name"] not in text
    [(_, _, pii)] = await eventually(
        lambda: records_about(intake, topics.COMPLAINT_PII, complaint_id)
    )
    assert pii["data"]["details"] == {"kk_number": body["kk_number"]}
    assert (pii["data"]["nik"], pii["data"]["name"]) == (body["head_nik"], body["head_name"])
    again = await intake.http.post(
        "/v1/data-proposals",
        json=body,
        headers={
            **intake.operator(),
            "Idempotency-Key": response.request.headers["idempotency-key"],
        },
    )
    assert again.status_code == 200 and again.json()["complaint_id"] == complaint_id


async def test_a_change_carries_its_detail_to_the_stages_agencies_on_the_personal_topic(
    intake: Intake,
) -> None:
    detail = "Jumlah anggota keluarga berubah dari 4 menjadi 5 jiwa."
    body = removal(kind="perubahan", removal_reason=None, detail=detail)
    response = await send(intake, body)
    assert response.status_code == 201, response.text
    complaint_id = response.json()["complaint_id"]
    [(_, _, pii)] = await eventually(
        lambda: records_about(intake, topics.COMPLAINT_PII, complaint_id)
    )
    assert pii["data"]["need_details"] == {"DTSEN": detail}
    [(_, _, created)] = await records_about(intake, topics.COMPLAINT_CREATED, complaint_id)
    assert detail not in json.dumps(created)
    assert created["data"]["data_proposal"]["removal_reason"] is None


def days_ago(n: int) -> str:
    return (local_date(datetime.now(UTC)) - timedelta(days=n)).isoformat()


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"kind": "tambah"}, "unknown_proposal_kind"),
        ({"removal_reason": None}, "removal_reason_required"),
        ({"kind": "baru"}, "removal_reason_not_allowed"),
        ({"removal_reason": "kaya"}, "unknown_removal_reason"),
        ({"deliberation_date": None}, "deliberation_date_required"),
        ({"deliberation_date": "12/06/2025"}, "invalid_deliberation_date"),
        ({"deliberation_date": days_ago(-1)}, "deliberation_date_in_future"),
        ({"deliberation_date": days_ago(400)}, "deliberation_date_too_old"),
        ({"kk_number": "12345"}, "invalid_kk"),
        ({"head_nik": "3215"}, "invalid_nik"),
        ({"kind": "perubahan", "removal_reason": None}, "proposal_detail_required"),
        ({"detail": "x" * 501}, "proposal_detail_too_long"),
    ],
)
async def test_each_bad_proposal_is_refused_with_its_code_and_changes_nothing(
    intake: Intake, changes: dict[str, Any], code: str
) -> None:
    before = await counts(intake)
    response = await send(intake, removal(**changes))
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == code and error["message"] == message(code, "id")
    english = await send(intake, removal(**changes), **{"Accept-Language": "en"})
    assert english.json()["error"]["message"] == message(code, "en")
    assert await counts(intake) == before


async def test_district_staff_do_not_propose(intake: Intake) -> None:
    before = await counts(intake)
    response = await intake.http.post(
        "/v1/data-proposals", json=removal(), headers={**intake.district(), **key()}
    )
    assert response.status_code == 403 and response.json()["error"]["code"] == "operator_only"
    assert await counts(intake) == before


async def listed(intake: Intake, headers: dict[str, str]) -> dict[str, Any]:
    response = await intake.http.get("/v1/data-proposals", headers=headers)
    assert response.status_code == 200, response.text
    return {p["complaint_id"]: p for p in response.json()["items"]}


async def test_the_list_shows_each_proposals_stage_and_decision_without_the_household(
    intake: Intake,
) -> None:
    body = removal()
    answer = (await send(intake, body)).json()
    complaint_id, ticket = answer["complaint_id"], answer["ticket"]
    [mine] = [p for c, p in (await listed(intake, intake.operator())).items() if c == complaint_id]
    assert (mine["kind"], mine["removal_reason"], mine["deliberation_date"]) == (
        "penghapusan",
        "meninggal",
        today(),
    )
    assert (mine["stage"], mine["waiting_at_village"], mine["decision"]) == (None, False, None)
    assert mine["head_name"] == "S*** A***"
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=1)
    first = uuid.uuid4()
    source = "/slrt/referral"
    await produce(
        intake,
        topics.REFERRAL_DISPATCHED,
        event(staged(first, complaint_id, ticket, start, 1), complaint_id, source),
    )
    sent_back = ReferralUpdated(
        referral_id=first,
        complaint_id=uuid.UUID(complaint_id),
        agency_code="DINSOS",
        status="rejected",
        reason_code="data_tidak_lengkap",
        at=start + timedelta(seconds=1),
    )
    await produce(intake, topics.REFERRAL_UPDATED, event(sent_back, complaint_id))

    async def waiting() -> dict[str, Any] | None:
        found = (await listed(intake, intake.operator()))[complaint_id]
        return found if found["waiting_at_village"] else None

    found = await eventually(waiting)
    assert found["stage"] == {"code": "kelengkapan", "index": 1, "total": 3}
    last = uuid.uuid4()
    at = start + timedelta(seconds=2)
    await produce(
        intake,
        topics.REFERRAL_DISPATCHED,
        event(staged(last, complaint_id, ticket, at, 3), complaint_id, source),
    )
    refusal = ReferralUpdated(
        referral_id=last,
        complaint_id=uuid.UUID(complaint_id),
        agency_code="DINSOS",
        status="rejected",
        reason_code="tidak_memenuhi_syarat",
        at=at + timedelta(seconds=1),
    )
    await produce(intake, topics.REFERRAL_UPDATED, event(refusal, complaint_id))
    closed = ComplaintClosed(
        complaint_id=uuid.UUID(complaint_id),
        ticket=ticket,
        village_code=VILLAGE,
        closed_at=at + timedelta(seconds=2),
        outcomes=[
            ReferralOutcome(
                referral_id=last, service_code="DTSEN", agency_code="DINSOS", outcome="unresolvable"
            )
        ],
    )
    await produce(intake, topics.COMPLAINT_CLOSED, event(closed, complaint_id, source))

    async def decided() -> dict[str, Any] | None:
        found = (await listed(intake, intake.district()))[complaint_id]
        return found if found["decision"] else None

    found = await eventually(decided)
    assert (found["decision"], found["decision_reason"]) == ("rejected", "tidak_memenuhi_syarat")
    assert found["stage"]["code"] == "keputusan" and not found["waiting_at_village"]
    # Nowhere in the list: the NIK, the KK number, the full name.
    page = await intake.http.get("/v1/data-proposals", headers=intake.district())
    for value in (body["kk_number"], body["head_nik"], body["head_name"]):
        assert value not in page.text
    # Another village's operator does not see it.
    assert complaint_id not in await listed(intake, intake.operator(OTHER_VILLAGE))


async def test_the_list_pages_with_its_cursor_and_refuses_a_bad_one(intake: Intake) -> None:
    for _ in range(3):
        assert (await send(intake, removal())).status_code == 201
    first = await intake.http.get("/v1/data-proposals?limit=2", headers=intake.operator())
    page = first.json()
    assert len(page["items"]) == 2 and page["next_cursor"]
    second = await intake.http.get(
        "/v1/data-proposals",
        params={"limit": 2, "cursor": page["next_cursor"]},
        headers=intake.operator(),
    )
    after = second.json()["items"]
    assert after  # three sent here: a second page
    ids = [p["complaint_id"] for p in page["items"] + after]
    assert len(ids) == len(set(ids))
    newest = [p["received_at"] for p in page["items"] + after]
    assert newest == sorted(newest, reverse=True)
    bad = await intake.http.get("/v1/data-proposals?cursor=nope", headers=intake.operator())
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "invalid_query"
