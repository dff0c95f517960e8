"""Open311's listing and the tracker on a real Postgres: special and sensitive cases stay hidden."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from slrt_devstack.testing import eventually
from slrt_shared.contracts import topics

from .conftest import OTHER_VILLAGE, REGENCY, VILLAGE, Intake, dispatch_of
from .test_intake_flow import event, produce

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]

NIK = "3215024107800001"
CASES = [
    (VILLAGE, "RTLH"),
    (VILLAGE, "KEKERASAN"),
    (VILLAGE, "JKN-PBI"),
    (OTHER_VILLAGE, "ODGJ"),
    (OTHER_VILLAGE, "ADMINDUK"),
]


async def complaint(intake: Intake, village: str, need: str) -> dict[str, Any]:
    """A complaint about one need, registered by the village's operator; the answer."""
    response = await intake.http.post(
        "/v1/complaints",
        json={
            "village_code": village,
            "needs": [need],
            "description": f"Pengaduan {need} ({uuid.uuid4().hex[:6]})",
            "channel": "walk_in",
            "recorded_at": "2025-06-26T09:15:00+07:00",
            "resident": {"nik": NIK, "name": "Siti Aminah"},
        },
        headers={**intake.operator(village), "Idempotency-Key": str(uuid.uuid4())},
    )
    assert response.status_code == 201, response.text
    answer: dict[str, Any] = response.json()
    return answer


async def register(intake: Intake, village: str, need: str) -> str:
    """A complaint about one need; its ticket."""
    ticket: str = (await complaint(intake, village, need))["ticket"]
    return ticket


@pytest.fixture(scope="module")
def tickets() -> dict[tuple[str, str], str]:
    """Tickets of CASES, filled once by the first test."""
    return {}


async def cases(intake: Intake, tickets: dict[tuple[str, str], str]) -> dict[tuple[str, str], str]:
    """Register CASES once for the module."""
    if not tickets:
        for village, need in CASES:
            tickets[(village, need)] = await register(intake, village, need)
    return tickets


async def listed(intake: Intake, **params: str) -> dict[str, str]:
    """Open311 GET requests.json: ticket -> service code."""
    response = await intake.http.get(
        "/open311/v2/requests.json", params={"jurisdiction_id": REGENCY, **params}
    )
    assert response.status_code == 200, response.text
    return {r["service_request_id"]: r["service_code"] for r in response.json()}


def mine(answer: dict[str, str], tickets: dict[tuple[str, str], str]) -> set[tuple[str, str]]:
    """Which of this module's cases an answer lists."""
    return {case for case, ticket in tickets.items() if ticket in answer}


async def test_an_anonymous_listing_shows_only_basic_services(
    intake: Intake, tickets: dict[tuple[str, str], str]
) -> None:
    known = await cases(intake, tickets)
    answer = await listed(intake)
    assert mine(answer, known) == {(VILLAGE, "RTLH")}
    assert not {"KEKERASAN", "ODGJ", "JKN-PBI", "ADMINDUK"} & set(answer.values())
    one = await intake.http.get(
        f"/open311/v2/requests/{known[(VILLAGE, 'KEKERASAN')]}.json",
        params={"jurisdiction_id": REGENCY},
    )
    assert one.status_code == 404 and one.json()[0]["code"] == 404


async def test_an_operator_key_adds_their_own_village_and_district_staff_the_regency(
    intake: Intake, tickets: dict[tuple[str, str], str]
) -> None:
    known = await cases(intake, tickets)
    operator = intake.credentials["operators"][VILLAGE]
    assert mine(await listed(intake, api_key=operator), known) == {
        (VILLAGE, "RTLH"),
        (VILLAGE, "KEKERASAN"),
        (VILLAGE, "JKN-PBI"),
    }
    district = intake.credentials["district"][REGENCY]
    assert mine(await listed(intake, api_key=district), known) == set(CASES)
    other = intake.credentials["operators"][OTHER_VILLAGE]
    one = await intake.http.get(
        f"/open311/v2/requests/{known[(OTHER_VILLAGE, 'ODGJ')]}.xml",
        params={"jurisdiction_id": REGENCY, "api_key": other},
    )
    assert one.status_code == 200 and "<service_code>ODGJ</service_code>" in one.text


@pytest.mark.parametrize("path", ["requests.json", "requests/SLRT-0000-0000.json"])
async def test_an_unknown_api_key_gets_the_open311_error(intake: Intake, path: str) -> None:
    response = await intake.http.get(
        f"/open311/v2/{path}", params={"jurisdiction_id": REGENCY, "api_key": "not-a-token"}
    )
    # GeoReport v2's answer to a key that is not valid
    assert response.status_code == 403
    assert response.json()[0]["code"] == 403 and response.json()[0]["description"]


@pytest.mark.parametrize(
    ("language", "label"), [("id", "Layanan khusus"), ("en", "Special service")]
)
async def test_the_tracker_shows_a_special_case_status_but_not_its_service(
    intake: Intake, tickets: dict[tuple[str, str], str], language: str, label: str
) -> None:
    known = await cases(intake, tickets)
    response = await intake.http.get(
        f"/v1/track/{known[(VILLAGE, 'KEKERASAN')]}", headers={"Accept-Language": language}
    )
    assert response.status_code == 200, response.text
    view: dict[str, Any] = response.json()
    assert view["status"] and view["timeline"][0]["kind"] == "received"
    assert view["needs"] == ["KHUSUS"] and view["service_names"] == [label]
    text = response.text.lower()
    for revealing in ("kekerasan", "violence", "dp3a", "perempuan"):
        assert revealing not in text
    sensitive = await intake.http.get(
        f"/v1/track/{known[(VILLAGE, 'JKN-PBI')]}", headers={"Accept-Language": language}
    )
    assert sensitive.json()["needs"] == ["JKN-PBI"]


@pytest.mark.parametrize(("need", "agency"), [("KEKERASAN", None), ("JKN-PBI", "DINSOS")])
async def test_the_tracker_names_no_agency_of_a_special_case(
    intake: Intake, need: str, agency: str | None
) -> None:
    answer = await complaint(intake, VILLAGE, need)
    complaint_id, ticket = answer["complaint_id"], answer["ticket"]
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=1)
    to = "DP3A" if need == "KEKERASAN" else "DINSOS"
    dispatched = dispatch_of(uuid.uuid4(), complaint_id, ticket, start, need, to, timedelta(days=1))
    await produce(
        intake, topics.REFERRAL_DISPATCHED, event(dispatched, complaint_id, "/slrt/referral")
    )

    async def referred() -> dict[str, Any] | None:
        view: dict[str, Any] = (await intake.http.get(f"/v1/track/{ticket}")).json()
        return view if view["status"] == "referred" else None

    view = await eventually(referred)
    assert [(e["kind"], e["agency_code"]) for e in view["timeline"]] == [
        ("received", None),
        ("referred", agency),
    ]
