"""Reopening a closed complaint and the resident's verdict, on a real Kafka and Postgres.

The resident acts with the ticket and the code of the receipt, the village's operator with
their token. complaint.closed (from referral) says until when a complaint may be reopened and
each need's outcome; every refusal is a coded answer that leaves nothing changed.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import pytest

from slrt_devstack.testing import eventually
from slrt_shared.contracts import topics
from slrt_shared.contracts.events import ComplaintClosed, ReferralOutcome

from .conftest import OTHER_VILLAGE, VILLAGE, Intake
from .test_intake_flow import body, event, key, outbox_drained, produce, records_about

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]

EN = {"Accept-Language": "en"}


async def registered(intake: Intake) -> dict[str, Any]:
    """A new complaint of VILLAGE (needs JKN-PBI and ADMINDUK), with its resident's code."""
    answer = await intake.http.post(
        "/v1/complaints", json=body(), headers={**intake.operator(), **key()}
    )
    assert answer.status_code == 201, answer.text
    return answer.json()  # type: ignore[no-any-return]


async def track(intake: Intake, ticket: str) -> dict[str, Any]:
    answer = await intake.http.get(f"/v1/track/{ticket}")
    assert answer.status_code == 200, answer.text
    return answer.json()  # type: ignore[no-any-return]


async def closed(
    intake: Intake,
    complaint: dict[str, Any],
    outcomes: dict[str, str],
    reopen_until: datetime | None,
) -> None:
    """Referral closes the complaint with these outcomes; wait until intake has it closed."""
    now = datetime.now(UTC)
    data = ComplaintClosed(
        complaint_id=complaint["complaint_id"],
        ticket=complaint["ticket"],
        village_code=VILLAGE,
        closed_at=now,
        outcomes=[
            ReferralOutcome(
                referral_id=uuid.uuid4(), service_code=s, agency_code="DINSOS", outcome=o
            )
            for s, o in outcomes.items()
        ],
        reopen_until=reopen_until,
    )
    await produce(
        intake, topics.COMPLAINT_CLOSED, event(data, complaint["complaint_id"], "/slrt/referral")
    )

    async def is_closed() -> bool:
        answer = await track(intake, complaint["ticket"])
        return answer["status"] == "closed" and answer["closed_at"] is not None

    await eventually(is_closed)


async def state(intake: Intake, complaint_id: str) -> tuple[Any, ...]:
    """What a reopening or a verdict changes: the complaint, its rows and its events."""
    await eventually(lambda: outbox_drained(intake))
    conn = await asyncpg.connect(intake.dsn)
    try:
        row = await conn.fetchrow(
            "SELECT status, closed_at, reopen_until, reopenings,"
            " (SELECT count(*) FROM reopenings WHERE complaint_id = c.id) AS reopened,"
            " (SELECT count(*) FROM verdicts WHERE complaint_id = c.id) AS rated,"
            " (SELECT count(*) FROM timeline WHERE complaint_id = c.id) AS entries"
            " FROM complaints c WHERE id = $1",
            uuid.UUID(complaint_id),
        )
    finally:
        await conn.close()
    reopened = await records_about(intake, topics.COMPLAINT_REOPENED, complaint_id)
    rated = await records_about(intake, topics.COMPLAINT_RATED, complaint_id)
    return (*tuple(row), len(reopened), len(rated))


async def refused(
    intake: Intake,
    complaint: dict[str, Any],
    action: str,
    json: dict[str, Any],
    status: int,
    code: str,
    headers: dict[str, str] | None = None,
) -> None:
    """The request is answered with the coded error, in Bahasa and in English, and nothing
    about the complaint changed."""
    before = await state(intake, complaint["complaint_id"])
    path = f"/v1/track/{complaint['ticket']}/{action}"
    answer = await intake.http.post(path, json=json, headers=headers or {})
    assert (answer.status_code, answer.json()["error"]["code"]) == (status, code), answer.text
    english = await intake.http.post(path, json=json, headers={**(headers or {}), **EN})
    assert english.json()["error"]["code"] == code
    assert english.json()["error"]["message"] != answer.json()["error"]["message"]
    assert await state(intake, complaint["complaint_id"]) == before


async def test_the_resident_reopens_with_the_code_once_until_it_closes_again(
    intake: Intake,
) -> None:
    complaint = await registered(intake)
    ticket, code = complaint["ticket"], complaint["resident_code"]
    ask = {"code": code, "reason": "hanya_sebagian", "note": "Kartu belum aktif di Puskesmas."}
    await refused(intake, complaint, "reopen", ask, 409, "complaint_not_closed")

    until = datetime.now(UTC) + timedelta(days=14)
    await closed(
        intake, complaint, {"JKN-PBI": "partially_resolved", "ADMINDUK": "resolved"}, until
    )
    tracked = await track(intake, ticket)
    assert datetime.fromisoformat(tracked["reopen_until"]) == until
    assert tracked["reopenings"] == 0

    other = await registered(intake)
    await refused(
        intake,
        complaint,
        "reopen",
        {**ask, "code": other["resident_code"]},
        403,
        "wrong_resident_code",
    )
    await refused(
        intake,
        complaint,
        "reopen",
        {k: v for k, v in ask.items() if k != "code"},
        403,
        "wrong_resident_code",
    )
    await refused(
        intake, complaint, "reopen", {**ask, "reason": "bosan"}, 422, "unknown_reopen_reason"
    )
    await refused(
        intake, complaint, "reopen", {**ask, "scope": "some"}, 422, "unknown_reopen_scope"
    )
    await refused(intake, complaint, "reopen", {**ask, "note": "x" * 501}, 422, "note_too_long")

    # Typed as a resident would: lower case, without the dash.
    typed = code.lower().replace("-", "")
    answer = await intake.http.post(f"/v1/track/{ticket}/reopen", json={**ask, "code": typed})
    assert answer.status_code == 201, answer.text
    assert answer.json()["reopening"] == 1 and answer.json()["scope"] == "unresolved"
    tracked = await track(intake, ticket)
    assert (tracked["status"], tracked["closed_at"], tracked["reopen_until"]) == (
        "referred",
        None,
        None,
    )
    assert tracked["reopenings"] == 1
    [entry] = [e for e in tracked["timeline"] if e["kind"] == "reopened"]
    assert entry["reason_code"] == "hanya_sebagian"
    operator_view = await intake.http.get(
        f"/v1/complaints/{complaint['complaint_id']}", headers=intake.operator()
    )
    assert [e["kind"] for e in operator_view.json()["timeline"]][-2:] == ["closed", "reopened"]

    [(record_key, _, published)] = await eventually(
        lambda: records_about(intake, topics.COMPLAINT_REOPENED, complaint["complaint_id"])
    )
    assert record_key == complaint["complaint_id"].encode()
    data = published["data"]
    assert {k: data[k] for k in ("ticket", "village_code", "scope", "reason_code", "by")} == {
        "ticket": ticket,
        "village_code": VILLAGE,
        "scope": "unresolved",
        "reason_code": "hanya_sebagian",
        "by": "resident",
    }
    assert data["reopening"] == 1
    assert "Puskesmas" not in str(published)  # the note stays in intake

    # Open again: a second reopening waits for the next closing.
    await refused(intake, complaint, "reopen", ask, 409, "already_reopened")
    await closed(intake, complaint, {"JKN-PBI": "resolved", "ADMINDUK": "resolved"}, until)
    await refused(intake, complaint, "reopen", ask, 409, "nothing_to_reopen")
    again = await intake.http.post(
        f"/v1/track/{ticket}/reopen", json={**ask, "scope": "all", "reason": "lainnya"}
    )
    assert again.status_code == 201, again.text
    assert again.json()["reopening"] == 2
    published = await eventually(
        lambda: records_about(intake, topics.COMPLAINT_REOPENED, complaint["complaint_id"])
    )
    assert [(r[2]["data"]["reopening"], r[2]["data"]["scope"]) for r in published] == [
        (1, "unresolved"),
        (2, "all"),
    ]


async def test_a_reopening_after_the_window_is_refused(intake: Intake) -> None:
    complaint = await registered(intake)
    passed = datetime.now(UTC) - timedelta(minutes=1)
    await closed(intake, complaint, {"JKN-PBI": "unresolvable", "ADMINDUK": "resolved"}, passed)
    ask = {"code": complaint["resident_code"], "reason": "belum_selesai"}
    await refused(intake, complaint, "reopen", ask, 409, "reopen_window_passed")


async def test_only_the_operator_of_the_village_reopens_for_the_resident(intake: Intake) -> None:
    complaint = await registered(intake)
    await closed(
        intake,
        complaint,
        {"JKN-PBI": "partially_resolved", "ADMINDUK": "resolved"},
        datetime.now(UTC) + timedelta(days=14),
    )
    ask = {"reason": "bantuan_belum_diterima"}
    for headers in (intake.operator(OTHER_VILLAGE), intake.district()):
        await refused(intake, complaint, "reopen", ask, 403, "other_village_operator", headers)
    before = await state(intake, complaint["complaint_id"])
    unknown = {"Authorization": "Bearer op_not-a-token"}
    answer = await intake.http.post(
        f"/v1/track/{complaint['ticket']}/reopen", json=ask, headers=unknown
    )
    assert answer.status_code == 401
    assert await state(intake, complaint["complaint_id"]) == before

    answer = await intake.http.post(
        f"/v1/track/{complaint['ticket']}/reopen", json=ask, headers=intake.operator()
    )
    assert answer.status_code == 201, answer.text
    [(_, _, published)] = await eventually(
        lambda: records_about(intake, topics.COMPLAINT_REOPENED, complaint["complaint_id"])
    )
    assert published["data"]["by"] == "operator"


async def test_the_last_verdict_wins_and_only_a_closed_complaint_is_rated(intake: Intake) -> None:
    complaint = await registered(intake)
    ticket, code = complaint["ticket"], complaint["resident_code"]
    verdict = {"code": code, "solved": "partly", "rating": 3, "comment": "Sudah dibantu sebagian."}
    await refused(intake, complaint, "feedback", verdict, 409, "complaint_not_closed")
    await closed(
        intake,
        complaint,
        {"JKN-PBI": "partially_resolved", "ADMINDUK": "resolved"},
        datetime.now(UTC) + timedelta(days=14),
    )
    await refused(
        intake, complaint, "feedback", {**verdict, "rating": 0}, 422, "rating_out_of_range"
    )
    await refused(
        intake, complaint, "feedback", {**verdict, "rating": 6}, 422, "rating_out_of_range"
    )
    await refused(
        intake, complaint, "feedback", {**verdict, "solved": "maybe"}, 422, "unknown_solved"
    )
    await refused(
        intake, complaint, "feedback", {**verdict, "comment": "x" * 501}, 422, "comment_too_long"
    )
    await refused(
        intake, complaint, "feedback", {**verdict, "code": "AAAA-AAAA"}, 403, "wrong_resident_code"
    )
    await refused(
        intake,
        complaint,
        "feedback",
        {k: v for k, v in verdict.items() if k != "code"},
        403,
        "other_village_operator",
        intake.operator(OTHER_VILLAGE),
    )

    first = await intake.http.post(f"/v1/track/{ticket}/feedback", json=verdict)
    assert first.status_code == 201, first.text
    assert (first.json()["revision"], first.json()["rating"]) == (1, 3)
    second = await intake.http.post(
        f"/v1/track/{ticket}/feedback",
        json={"solved": "yes", "rating": 5},
        headers=intake.operator(),
    )
    assert second.status_code == 201, second.text
    assert second.json()["revision"] == 2

    async def both() -> list[Any] | None:
        found = await records_about(intake, topics.COMPLAINT_RATED, complaint["complaint_id"])
        return [r[2] for r in found] if len(found) == 2 else None

    published = await eventually(both)
    assert [
        (p["data"]["revision"], p["data"]["solved"], p["data"]["rating"], p["data"]["by"])
        for p in published
    ] == [(1, "partly", 3, "resident"), (2, "yes", 5, "operator")]
    assert "dibantu" not in str(published)  # the comment stays in intake

    # Reopened, it is open again: no verdict until it closes again.
    reopened = await intake.http.post(
        f"/v1/track/{ticket}/reopen", json={"code": code, "reason": "belum_selesai"}
    )
    assert reopened.status_code == 201, reopened.text
    await refused(intake, complaint, "feedback", verdict, 409, "complaint_not_closed")
