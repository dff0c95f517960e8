"""PKH graduations on a real Kafka and Postgres: facilitators and targets set by district
staff (and logged), proposals by the village operator becoming GRADUASI cases, PKH's decisions
read from case.resolved and referral.updated, a household graduating once, and the progress."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import asyncpg
import pytest
import pytest_asyncio

from intake.app import build
from intake.domain.errors import message
from intake.settings import IntakeSettings
from slrt_devstack import fixtures
from slrt_devstack.testing import eventually
from slrt_shared.contracts import topics
from slrt_shared.contracts.events import CaseResolved, ReferralUpdated
from slrt_shared.tokens import new_token

from .conftest import OTHER_VILLAGE, REGENCY, VILLAGE, Intake
from .test_intake_flow import event, key, produce, records_about

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]

SUBJECT_KEY = "shk_" + "5" * 40
YEAR = datetime.now(UTC).year
NIKS = iter(f"32150241078{n:05d}" for n in range(1, 99999))


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def intake(test_env, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Intake]:  # type: ignore[no-untyped-def]
    """Intake with the households' hash key, seeded for two villages and the district."""
    credentials = {
        "operators": {v: new_token("op_") for v in (VILLAGE, OTHER_VILLAGE)},
        "district": {REGENCY: new_token("ds_")},
    }
    folder = tmp_path_factory.mktemp("intake-graduations")
    async with test_env.beside("ig") as stack:
        dsn = stack.dsn("intake")
        await fixtures.seed_by_command("intake", dsn, credentials, REGENCY, folder)
        settings = IntakeSettings(**stack.settings("intake"), subject_hash_key=SUBJECT_KEY)
        runtime, app = build(settings)
        async with fixtures.running_service(runtime, app, "intake") as http:
            yield Intake(http, stack.layout, stack.kafka_bootstrap_servers, dsn, credentials)


def kk() -> str:
    return f"3215020101{uuid.uuid4().int % 10**6:06d}"


def proposal(facilitator: str, **changes: Any) -> dict[str, Any]:
    return {
        "kk_number": kk(),
        "head_nik": next(NIKS),
        "head_name": "Siti Aminah",
        "facilitator_code": facilitator,
        "kind": "sejahtera_mandiri",
        "evidence": "Usaha warung berjalan dua tahun; penghasilan di atas garis kemiskinan.",
    } | changes


async def facilitator(intake: Intake, villages: list[str] | None = None) -> str:
    code = f"PKH-{uuid.uuid4().hex[:8].upper()}"
    body = {"code": code, "name": "Dewi Lestari", "village_codes": villages or [VILLAGE]}
    response = await intake.http.post(
        "/v1/admin/facilitators", json=body, headers=intake.district()
    )
    assert response.status_code == 200, response.text
    return code


async def propose(intake: Intake, body: dict[str, Any], **headers: str) -> Any:
    return await intake.http.post(
        "/v1/graduations", json=body, headers={**intake.operator(), **key(), **headers}
    )


async def rows(intake: Intake, sql: str, *args: Any) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(intake.dsn)
    try:
        return list(await conn.fetch(sql, *args))
    finally:
        await conn.close()


async def decided(intake: Intake, complaint_id: str, state: str) -> bool:
    found = await rows(
        intake, "SELECT state FROM graduations WHERE complaint_id = $1", uuid.UUID(complaint_id)
    )
    return bool(found) and found[0]["state"] == state


async def resolve(intake: Intake, complaint_id: str, agency: str = "PKH") -> None:
    data = CaseResolved(
        referral_id=uuid.uuid4(),
        complaint_id=uuid.UUID(complaint_id),
        agency_code=agency,
        outcome="resolved",
        resolved_at=datetime.now(UTC),
    )
    await produce(intake, topics.CASE_RESOLVED, event(data, complaint_id))


async def reject(intake: Intake, complaint_id: str) -> None:
    data = ReferralUpdated(
        referral_id=uuid.uuid4(),
        complaint_id=uuid.UUID(complaint_id),
        agency_code="PKH",
        status="rejected",
        reason_code="tidak_memenuhi_syarat",
        at=datetime.now(UTC),
    )
    await produce(intake, topics.REFERRAL_UPDATED, event(data, complaint_id))


async def test_a_proposal_is_a_graduasi_case_its_household_on_the_personal_topic_only(
    intake: Intake,
) -> None:
    code = await facilitator(intake)
    body = proposal(code)
    response = await propose(intake, body)
    assert response.status_code == 201, response.text
    complaint_id = response.json()["complaint_id"]
    [(_, _, created)] = await eventually(
        lambda: records_about(intake, topics.COMPLAINT_CREATED, complaint_id)
    )
    assert created["data"]["needs"] == ["GRADUASI"]
    assert created["data"]["programme"] == {
        "kind": "graduation",
        "facilitator_code": code,
        "graduation_kind": "sejahtera_mandiri",
    }
    text = json.dumps(created)
    assert body["kk_number"] not in text and body["head_nik"] not in text
    [(_, _, pii)] = await eventually(
        lambda: records_about(intake, topics.COMPLAINT_PII, complaint_id)
    )
    assert pii["data"]["details"] == {"kk_number": body["kk_number"]}
    assert pii["data"]["nik"] == body["head_nik"]
    [kept] = await rows(
        intake,
        "SELECT r.kk_number, g.household_hash, g.state FROM residents r"
        " JOIN graduations g USING (complaint_id) WHERE complaint_id = $1",
        uuid.UUID(complaint_id),
    )
    assert kept["kk_number"] == body["kk_number"] and kept["state"] == "open"
    assert body["kk_number"] not in kept["household_hash"]
    # A repeat of the key answers the same case and saves nothing more.
    again = await intake.http.post(
        "/v1/graduations",
        json=body,
        headers={
            **intake.operator(),
            "Idempotency-Key": response.request.headers["idempotency-key"],
        },
    )
    assert again.status_code == 200 and again.json()["complaint_id"] == complaint_id


async def test_a_household_graduates_once(intake: Intake) -> None:
    code = await facilitator(intake)
    first = proposal(code)
    response = await propose(intake, first)
    complaint_id = response.json()["complaint_id"]
    open_again = await propose(intake, first | {"head_nik": next(NIKS)})
    assert open_again.status_code == 409
    assert open_again.json()["error"]["code"] == "graduation_already_open"
    await resolve(intake, complaint_id)
    await eventually(lambda: decided(intake, complaint_id, "confirmed"))
    graduated = await propose(intake, first, **{"Accept-Language": "en"})
    assert graduated.status_code == 409
    error = graduated.json()["error"]
    assert error["code"] == "household_already_graduated"
    assert error["message"] == message("household_already_graduated", "en")
    cases = await rows(
        intake,
        "SELECT count(*) AS n FROM residents WHERE kk_number = $1",
        first["kk_number"],
    )
    assert cases[0]["n"] == 1  # the refused proposals saved no case


async def test_a_refused_proposal_frees_the_household_and_another_agency_decides_nothing(
    intake: Intake,
) -> None:
    code = await facilitator(intake)
    body = proposal(code)
    refused = (await propose(intake, body)).json()["complaint_id"]
    await reject(intake, refused)
    await eventually(lambda: decided(intake, refused, "refused"))
    [row] = await rows(
        intake, "SELECT reason_code FROM graduations WHERE complaint_id = $1", uuid.UUID(refused)
    )
    assert row["reason_code"] == "tidak_memenuhi_syarat"
    second = (await propose(intake, body)).json()["complaint_id"]
    await resolve(intake, second, agency="DINSOS")
    await resolve(intake, second)
    await eventually(lambda: decided(intake, second, "confirmed"))


@pytest.mark.parametrize(
    ("changes", "code", "status"),
    [
        ({"kk_number": "12345"}, "invalid_kk", 422),
        ({"head_nik": "3215"}, "invalid_nik", 422),
        ({"kind": "lulus"}, "unknown_graduation_kind", 422),
        ({"evidence": "x" * 501}, "evidence_too_long", 422),
        ({"facilitator_code": "PKH-NOBODY"}, "unknown_facilitator", 422),
    ],
)
async def test_each_bad_proposal_is_refused_with_its_code_and_changes_nothing(
    intake: Intake, changes: dict[str, Any], code: str, status: int
) -> None:
    known = await facilitator(intake)
    before = await rows(
        intake,
        "SELECT (SELECT count(*) FROM complaints) AS c, (SELECT count(*) FROM graduations) AS g",
    )
    response = await propose(intake, proposal(known, **changes))
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["code"] == code and error["message"] == message(code, "id")
    after = await rows(
        intake,
        "SELECT (SELECT count(*) FROM complaints) AS c, (SELECT count(*) FROM graduations) AS g",
    )
    assert list(after[0]) == list(before[0])


async def test_a_village_outside_the_facilitators_or_an_inactive_one_is_refused(
    intake: Intake,
) -> None:
    elsewhere = await facilitator(intake, [OTHER_VILLAGE])
    response = await propose(intake, proposal(elsewhere))
    assert response.json()["error"]["code"] == "village_not_accompanied"
    retired = await facilitator(intake)
    body = {"code": retired, "name": "Dewi", "village_codes": [VILLAGE], "active": False}
    await intake.http.post("/v1/admin/facilitators", json=body, headers=intake.district())
    response = await propose(intake, proposal(retired), **{"Accept-Language": "en"})
    assert response.json()["error"]["message"] == message("facilitator_inactive", "en")
    staff = await intake.http.post(
        "/v1/graduations", json=proposal(retired), headers={**intake.district(), **key()}
    )
    assert staff.status_code == 403 and staff.json()["error"]["code"] == "operator_only"


async def test_facilitators_and_targets_are_logged_and_progress_counts_the_confirmed(
    intake: Intake,
) -> None:
    target = {"year": YEAR, "district_total": 4, "per_facilitator": 2}
    response = await intake.http.post(
        "/v1/admin/programme-targets", json=target, headers=intake.district()
    )
    assert response.status_code == 200, response.text
    operator = await intake.http.post(
        "/v1/admin/programme-targets", json=target, headers=intake.operator()
    )
    assert operator.status_code == 403
    listed = await intake.http.get("/v1/admin/programme-targets", headers=intake.district())
    assert listed.json()[0] == {"regency": REGENCY, **target}
    a, b = await facilitator(intake), await facilitator(intake)
    confirmed = []
    for code in (a, a, b):
        complaint_id = (await propose(intake, proposal(code))).json()["complaint_id"]
        confirmed.append(complaint_id)
    refused = (await propose(intake, proposal(b))).json()["complaint_id"]
    for complaint_id in confirmed:
        await resolve(intake, complaint_id)
    await reject(intake, refused)
    for complaint_id in confirmed:
        await eventually(lambda c=complaint_id: decided(intake, c, "confirmed"))
    await eventually(lambda: decided(intake, refused, "refused"))
    progress = await intake.http.get(
        f"/v1/graduations/progress?year={YEAR}", headers=intake.district()
    )
    assert progress.status_code == 200, progress.text
    found = progress.json()
    per = {f["code"]: f["progress"] for f in found["facilitators"]}
    assert per[a]["confirmed"] == 2 and per[a]["reached"] and per[a]["target"] == 2
    assert per[b]["confirmed"] == 1 and not per[b]["reached"]
    # the other tests' confirmations count toward the district too
    assert found["district"]["confirmed"] == sum(p["confirmed"] for p in per.values())
    assert found["district"]["target"] == 4
    changes = await rows(
        intake, "SELECT action, subject, changed_by, via FROM programme_changes ORDER BY id"
    )
    assert ("facilitator_saved", a) in [(c["action"], c["subject"]) for c in changes]
    assert ("target_set", f"{REGENCY}/{YEAR}") in [(c["action"], c["subject"]) for c in changes]
    assert all(c["via"] == "api" and c["changed_by"] for c in changes)
    assert (
        await intake.http.get(f"/v1/graduations/progress?year={YEAR}", headers=intake.operator())
    ).status_code == 403
    missing = await intake.http.get("/v1/graduations/progress?year=2001", headers=intake.district())
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "target_not_found"
