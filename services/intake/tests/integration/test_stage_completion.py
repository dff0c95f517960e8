"""A staged need on a real Kafka and Postgres: the tracker shows its stage; sent back to the
village, the operator completes it once: the corrected detail on complaint.pii, the completion on
complaint.completed (codes only), nothing kept or announced on a refusal."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from slrt_devstack.testing import eventually
from slrt_shared.contracts import topics
from slrt_shared.contracts.events import ReferralDispatched, ReferralUpdated

from .conftest import OTHER_VILLAGE, VILLAGE, Intake
from .test_intake_flow import body, event, key, produce, records_about
from .test_need_details import stored

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]

CORRECTED = "KK 3215xxxx: anggota keluarga bertambah satu; surat keterangan desa terlampir."


def staged(
    referral_id: uuid.UUID, complaint_id: str, ticket: str, at: datetime, index: int
) -> ReferralDispatched:
    """Referral's dispatch of stage `index` of the DTSEN need."""
    codes = ["kelengkapan", "verifikasi", "keputusan"]
    return ReferralDispatched(
        referral_id=referral_id,
        complaint_id=uuid.UUID(complaint_id),
        ticket=ticket,
        village_code=VILLAGE,
        service_code="DTSEN",
        agency_code="PKH" if index == 2 else "DINSOS",
        attempt=index,
        dispatched_at=at,
        due_at=at + timedelta(days=7),
        stage=codes[index - 1],
        stage_index=index,
        stages_total=3,
    )


async def proposal(intake: Intake) -> tuple[str, str]:
    response = await intake.http.post(
        "/v1/complaints",
        json=body(needs=["DTSEN"], need_details={"DTSEN": "Usulan keluarga baru."}),
        headers={**intake.operator(), **key()},
    )
    assert response.status_code == 201, response.text
    return response.json()["complaint_id"], response.json()["ticket"]


async def stages_of(intake: Intake, ticket: str) -> list[dict[str, Any]]:
    tracked = await intake.http.get(f"/v1/track/{ticket}")
    return tracked.json()["stages"]  # type: ignore[no-any-return]


def complete(intake: Intake, complaint_id: str, headers: dict[str, str] | None = None) -> Any:
    return intake.http.post(
        f"/v1/complaints/{complaint_id}/completion",
        json={"service_code": "DTSEN", "need_detail": CORRECTED},
        headers=headers or intake.operator(),
    )


async def test_a_stage_sent_back_is_completed_once_with_its_corrected_detail(
    intake: Intake,
) -> None:
    complaint_id, ticket = await proposal(intake)
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=1)
    second = uuid.uuid4()
    await produce(
        intake,
        topics.REFERRAL_DISPATCHED,
        event(staged(second, complaint_id, ticket, start, 2), complaint_id, "/slrt/referral"),
    )
    await eventually(lambda: stages_of(intake, ticket))
    assert await stages_of(intake, ticket) == [
        {
            "service_code": "DTSEN",
            "stage": "verifikasi",
            "index": 2,
            "total": 3,
            "waiting_at_village": False,
        }
    ]
    early = await complete(intake, complaint_id)
    assert (early.status_code, early.json()["error"]["code"]) == (409, "not_sent_back")

    sent_back = ReferralUpdated(
        referral_id=second,
        complaint_id=uuid.UUID(complaint_id),
        agency_code="PKH",
        status="rejected",
        reason_code="data_tidak_lengkap",
        at=start + timedelta(minutes=1),
    )
    await produce(intake, topics.REFERRAL_UPDATED, event(sent_back, complaint_id))

    async def waiting() -> bool:
        return bool([s for s in await stages_of(intake, ticket) if s["waiting_at_village"]])

    await eventually(waiting)

    # Only the operator of the complaint's village completes it; nothing changes otherwise.
    elsewhere = await complete(intake, complaint_id, intake.operator(OTHER_VILLAGE))
    assert (elsewhere.status_code, elsewhere.json()["error"]["code"]) == (404, "not_found")
    staff = await complete(intake, complaint_id, {**intake.district(), "Accept-Language": "en"})
    assert (staff.status_code, staff.json()["error"]["code"]) == (403, "operator_only")
    assert staff.json()["error"]["message"].startswith("Only the village's Puskesos operator")
    assert (await stored(intake, complaint_id)) == {"DTSEN": "Usulan keluarga baru."}

    done = await complete(intake, complaint_id)
    assert done.status_code == 200, done.text
    assert done.json() == {
        "complaint_id": complaint_id,
        "service_code": "DTSEN",
        "stage": "verifikasi",
        "stage_index": 2,
        "completion": 1,
    }
    again = await complete(intake, complaint_id)
    assert (again.status_code, again.json()["error"]["code"]) == (409, "not_sent_back")
    assert "tidak sedang menunggu dilengkapi" in again.json()["error"]["message"]
    assert not await waiting()
    assert (await stored(intake, complaint_id)) == {"DTSEN": CORRECTED}

    [(_, _, completed)] = await eventually(
        lambda: records_about(intake, topics.COMPLAINT_COMPLETED, complaint_id)
    )
    assert completed["type"] == "id.slrt.complaint.completed.v1"
    assert completed["data"]["referral_id"] == str(second)
    assert (completed["data"]["service_code"], completed["data"]["completion"]) == ("DTSEN", 1)
    assert CORRECTED not in json.dumps(completed)

    async def corrected() -> list[Any]:
        records = await records_about(intake, topics.COMPLAINT_PII, complaint_id)
        return records if len(records) == 2 else []

    pii = await eventually(corrected)
    assert pii[-1][2]["data"]["need_details"] == {"DTSEN": CORRECTED}
