"""The residents' verdicts on a real Kafka and Postgres: complaint.rated and complaint.reopened
in, the report card's and the agency league table's figures out, whatever the redelivery."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import pytest
from aiokafka.structs import RecordMetadata

from slrt_devstack.testing import eventually
from slrt_shared.contracts import topics
from slrt_shared.contracts.envelope import CloudEvent, new_event
from slrt_shared.contracts.events import ComplaintRated, ComplaintReopened, EventData, Solved

from .conftest import REGENCY, Monitoring
from .test_monitoring_flow import a_whole_case, card, consumed, produce, rankings, read_all

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]


async def send(
    m: Monitoring, data: EventData, complaint: uuid.UUID
) -> tuple[CloudEvent, RecordMetadata]:
    """Publish a payload as intake does (keyed by the complaint id); the event and its record."""
    event = new_event(data, source="/slrt/intake", subject=complaint)
    return event, await produce(m, data.topic, event.to_bytes(), str(complaint))


def rated(creation: CloudEvent, solved: Solved, rating: int, revision: int) -> ComplaintRated:
    """A verdict on the complaint `creation` made."""
    c = creation.data
    return ComplaintRated(
        complaint_id=c["complaint_id"],
        ticket=c["ticket"],
        village_code=c["village_code"],
        solved=solved,
        rating=rating,
        by="resident",
        revision=revision,
        rated_at=datetime.now(UTC) + timedelta(hours=revision),
    )


def reopened(creation: CloudEvent, reopening: int, reason: str) -> ComplaintReopened:
    """A reopening of the complaint `creation` made."""
    c = creation.data
    return ComplaintReopened(
        complaint_id=c["complaint_id"],
        ticket=c["ticket"],
        village_code=c["village_code"],
        scope="unresolved",
        reason_code=reason,
        by="operator",
        reopening=reopening,
        reopened_at=datetime.now(UTC),
    )


async def verdicts_of(m: Monitoring, village: str, month: str, count: int) -> dict[str, Any] | None:
    """The report card's verdicts once it counts `count` of them and a reopening, else None."""
    said = (await card(m, village, period=month))["verdicts"]
    return said if (said["verdicts"], said["reopened"]) == (count, 1) else None


async def test_verdicts_and_reopenings_reach_the_card_and_the_agency_table(
    monitoring: Monitoring,
) -> None:
    village, agency = "32.15.06.2001", "DINKES"
    month = datetime.now(UTC).strftime("%Y-%m")
    praised = await a_whole_case(monitoring, village, agency=agency)
    doubted = await a_whole_case(monitoring, village, agency=agency)
    praised_id = uuid.UUID(str(praised.data["complaint_id"]))
    doubted_id = uuid.UUID(str(doubted.data["complaint_id"]))

    # The resident changes their mind: revision 2 stands, and revision 1, read after it (as a
    # late retry would deliver it), changes nothing.
    await send(monitoring, rated(praised, "yes", 5, revision=2), praised_id)
    await send(monitoring, rated(praised, "no", 1, revision=1), praised_id)
    await send(monitoring, rated(doubted, "partly", 3, revision=1), doubted_id)
    reopening, _ = await send(monitoring, reopened(doubted, 1, "hanya_sebagian"), doubted_id)
    # Redelivered: the same event again (same id), and the same reopening in a new event.
    await produce(monitoring, topics.COMPLAINT_REOPENED, reopening.to_bytes(), str(doubted_id))
    _, last = await send(monitoring, reopened(doubted, 1, "hanya_sebagian"), doubted_id)
    _, late = await send(monitoring, rated(praised, "no", 2, revision=1), praised_id)
    await eventually(lambda: consumed(monitoring, last))
    await eventually(lambda: consumed(monitoring, late))

    said = await eventually(lambda: verdicts_of(monitoring, village, month, 2))
    assert said == {
        "verdicts": 2,
        "solved_yes": 0.5,
        "solved_partly": 0.5,
        "solved_no": 0.0,
        "mean_rating": 4.0,
        "satisfaction": 0.75,
        "closed": 2,
        "reopened": 1,
        "reopen_rate": 0.5,
    }
    whole = await card(monitoring, village)
    assert whole["verdicts"] == said  # all time: the same two complaints
    assert (whole["trend"][-1]["mean_rating"], whole["trend"][-1]["reopen_rate"]) == (4.0, 0.5)
    assert (await card(monitoring, village, period="2020-01"))["verdicts"]["verdicts"] == 0

    rows = await rankings(monitoring, "agency", regency=REGENCY, period=month)
    assert rows[agency]["verdicts"] == said

    page = await monitoring.http.get(f"/puskesos/{village}", params={"period": month})
    assert page.status_code == 200
    assert "Penilaian warga" in page.text and "1 dari 2 yang selesai (50%)" in page.text
    english = await monitoring.http.get(f"/puskesos/{village}", params={"lang": "en"})
    assert "Residents&#x27; verdicts" in english.text and "1 of 2 closed (50%)" in english.text
    table = await monitoring.http.get("/", params={"regency": REGENCY, "period": month})
    assert "Rata-rata nilai warga (1–5)" in table.text and "4.00" in table.text


async def test_an_unknown_reopening_reason_counts_as_lainnya_and_a_bad_verdict_is_dead_lettered(
    monitoring: Monitoring,
) -> None:
    village = "32.15.06.2002"
    creation = await a_whole_case(monitoring, village)
    complaint = uuid.UUID(str(creation.data["complaint_id"]))
    # A rating outside 1-5 breaks the contract: dead-lettered, and the next record still counts.
    good = new_event(
        rated(creation, "yes", 5, revision=1), source="/slrt/intake", subject=complaint
    )
    bad = good.model_copy(update={"data": {**good.data, "rating": 9}})
    await produce(monitoring, topics.COMPLAINT_RATED, bad.to_bytes(), str(complaint))
    _, sent = await send(monitoring, reopened(creation, 1, "kode_baru_nanti"), complaint)
    await eventually(lambda: consumed(monitoring, sent))

    said = await eventually(lambda: verdicts_of(monitoring, village, "all", 0))
    assert (said["closed"], said["reopen_rate"], said["mean_rating"]) == (1, 1.0, None)

    async def dead_letters() -> list[Any]:
        records = await read_all(monitoring, monitoring.layout.dlq(topics.COMPLAINT_RATED))
        return [r for r in records if r.key == str(complaint).encode()]

    [dead] = await eventually(dead_letters)
    assert dict(dead.headers)["dlq-error-type"] == b"InvalidEventError"
    conn = await asyncpg.connect(monitoring.dsn)
    try:
        reasons = await conn.fetch(
            "SELECT reason_code FROM complaint_reopenings WHERE complaint_id = $1", complaint
        )
        verdicts = await conn.fetchval(
            "SELECT count(*) FROM complaint_verdicts WHERE complaint_id = $1", complaint
        )
    finally:
        await conn.close()
    assert [r["reason_code"] for r in reasons] == ["lainnya"] and verdicts == 0
