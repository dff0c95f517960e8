"""The resident's code on a real Kafka and Postgres: answered once by each door of registration,
kept only as a keyed hash, never logged nor on an event, never shown again; and checked with
the ticket by the use case the resident's own actions start with."""

from __future__ import annotations

import json
import logging
import uuid
from typing import Any

import asyncpg
import pytest

from intake.adapters.repository import IntakeUnitOfWork
from intake.domain.resident_code import ALPHABET
from intake.service_layer.resident_codes import CheckCode, WrongCodeError, check_code
from slrt_devstack import fixtures
from slrt_devstack.testing import eventually
from slrt_shared.contracts import topics

from .conftest import CODE_KEY, REGENCY, VILLAGE, Intake
from .test_intake_flow import body, key, records_about

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]


def shaped(code: Any) -> bool:
    """Whether an answer's code looks like one: XXXX-XXXX from the code alphabet."""
    return (
        isinstance(code, str)
        and len(code) == 9
        and code[4] == "-"
        and set(code.replace("-", "")) <= set(ALPHABET)
    )


async def held(intake: Intake, complaint_id: str) -> str:
    """Everything intake's tables hold about a complaint, as text."""
    conn = await asyncpg.connect(intake.dsn)
    try:
        rows = await conn.fetch(
            "SELECT c::text AS t FROM complaints c WHERE id = $1"
            " UNION ALL SELECT t::text FROM timeline t WHERE complaint_id = $1"
            " UNION ALL SELECT k::text FROM idempotency_keys k"
            " WHERE response ->> 'complaint_id' = $1::text"
            " UNION ALL SELECT o::text FROM outbox o",
            uuid.UUID(complaint_id),
        )
    finally:
        await conn.close()
    return "\n".join(r["t"] for r in rows)


async def checked(intake: Intake, ticket: str, code: str, secret: str = CODE_KEY) -> uuid.UUID:
    """The complaint the check use case finds for a ticket and a code."""
    async with fixtures.pool(intake.dsn, "intake") as pool:
        command = CheckCode(ticket, code, secret.encode())
        return await check_code(command, IntakeUnitOfWork(pool, intake.layout))


async def test_the_code_is_answered_once_kept_as_a_hash_and_checked_with_its_ticket(
    intake: Intake, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    headers = {**intake.operator(), **key()}
    first = await intake.http.post("/v1/complaints", json=body(), headers=headers)
    assert first.status_code == 201, first.text
    answer = first.json()
    code, ticket, complaint_id = answer["resident_code"], answer["ticket"], answer["complaint_id"]
    assert shaped(code)
    # A repeat under the same key finds the complaint, without the code.
    again = await intake.http.post("/v1/complaints", json=body(), headers=headers)
    assert again.status_code == 200 and again.json()["resident_code"] is None
    assert again.json()["ticket"] == ticket

    # Checked with its ticket, as typed by a resident: lower case, without the dash.
    assert await checked(intake, ticket, code.lower().replace("-", "")) == uuid.UUID(complaint_id)
    other = await intake.http.post("/v1/complaints", json=body(), headers={**headers, **key()})
    wrong_code = other.json()["resident_code"]
    assert shaped(wrong_code) and wrong_code != code
    for ticket_given, code_given in (
        (ticket, wrong_code),  # another complaint's code
        (other.json()["ticket"], code),  # the code with another complaint's ticket
        ("SLRT-0000-0000", code),  # no such ticket
        (ticket, "not-a-code"),
    ):
        with pytest.raises(WrongCodeError):
            await checked(intake, ticket_given, code_given)
    with pytest.raises(WrongCodeError):  # the right pair under another key: the hash is keyed
        await checked(intake, ticket, code, secret="another-secret")

    # Kept only as its hash; on no event, in no log line.
    stored = await held(intake, complaint_id)
    assert complaint_id in stored
    assert code not in stored and code.replace("-", "") not in stored
    for topic in (topics.COMPLAINT_CREATED, topics.COMPLAINT_PII):
        [(_, _, event)] = await eventually(lambda t=topic: records_about(intake, t, complaint_id))
        assert code not in json.dumps(event) and code.replace("-", "") not in json.dumps(event)
    assert caplog.records and code not in caplog.text and code.replace("-", "") not in caplog.text


async def test_the_batch_answers_the_code_in_the_item_that_created_the_complaint_only(
    intake: Intake,
) -> None:
    item = {**body(), "client_id": str(uuid.uuid4())}
    first = await intake.http.post(
        "/v1/complaints/batch", json={"complaints": [item, item]}, headers=intake.operator()
    )
    created, repeated = first.json()["results"]
    assert (created["result"], repeated["result"]) == ("created", "existing")
    assert shaped(created["resident_code"]) and repeated["resident_code"] is None
    resent = await intake.http.post(
        "/v1/complaints/batch", json={"complaints": [item]}, headers=intake.operator()
    )
    [existing] = resent.json()["results"]
    assert existing["result"] == "existing" and existing["resident_code"] is None
    assert await checked(intake, created["ticket"], created["resident_code"]) == uuid.UUID(
        created["complaint_id"]
    )


async def test_open311_answers_the_code_to_the_form_that_created_the_request_only(
    intake: Intake,
) -> None:
    form = {
        "api_key": intake.credentials["operators"][VILLAGE],
        "jurisdiction_id": REGENCY,
        "service_code": "RTLH",
        "description": f"Atap bocor ({uuid.uuid4().hex[:6]}).",
        "first_name": "Siti",
        "attribute[NIK]": "3215024107800001",
        "attribute[VILLAGE]": VILLAGE,
    }
    first = await intake.http.post("/open311/v2/requests.json", data=form)
    assert first.status_code == 201, first.text
    [created] = first.json()
    assert shaped(created["resident_code"])
    [resent] = (await intake.http.post("/open311/v2/requests.json", data=form)).json()
    assert resent["service_request_id"] == created["service_request_id"]
    assert resent["resident_code"] is None
    xml = await intake.http.post("/open311/v2/requests.xml", data=form)
    assert "resident_code" not in xml.text
    ticket = created["service_request_id"]
    async with fixtures.pool(intake.dsn, "intake") as pool:
        found = await pool.fetchval("SELECT id FROM complaints WHERE ticket = $1", ticket)
    assert await checked(intake, ticket, created["resident_code"]) == found
