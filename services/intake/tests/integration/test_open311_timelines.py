"""An Open311 list reads the timelines of its rows in one query, on a real Postgres."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from intake.adapters.repository import IntakeUnitOfWork
from intake.domain.tracking import TimelineEntry
from slrt_devstack import fixtures

from .conftest import REGENCY, VILLAGE, Intake
from .test_intake_flow import register

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]


async def test_timelines_answer_each_complaint_as_timeline_does(intake: Intake) -> None:
    first = uuid.UUID((await register(intake))["complaint_id"])
    second = uuid.UUID((await register(intake))["complaint_id"])
    start = datetime.now(UTC).replace(microsecond=0)
    async with fixtures.pool(intake.dsn, "intake") as pool:
        async with IntakeUnitOfWork(pool, intake.layout) as unit:
            # appended out of time order, and interleaved between the two complaints
            await unit.append(
                first,
                uuid.uuid4(),
                TimelineEntry(start + timedelta(hours=2), "acknowledged", "BPJSKES"),
            )
            await unit.append(
                second,
                uuid.uuid4(),
                TimelineEntry(start + timedelta(hours=1), "escalated", level="2"),
            )
            await unit.append(
                first,
                uuid.uuid4(),
                TimelineEntry(
                    start + timedelta(hours=1),
                    "referred",
                    "BPJSKES",
                    due_at=start + timedelta(days=5),
                ),
            )
            await unit.commit()
        never_registered = uuid.uuid4()
        async with IntakeUnitOfWork(pool, intake.layout) as unit:
            one_by_one = {c: await unit.timeline(c) for c in (first, second, never_registered)}
            together = await unit.timelines([first, second, never_registered])
    assert together == one_by_one
    assert [e.kind for e in together[first]] == ["received", "referred", "acknowledged"]
    assert together[never_registered] == []


async def test_a_listed_page_does_not_read_timelines_row_by_row(
    intake: Intake, monkeypatch: pytest.MonkeyPatch
) -> None:
    tickets = {(await register(intake))["ticket"] for _ in range(3)}
    row_by_row = 0
    one_row = IntakeUnitOfWork.timeline

    async def counted(self: IntakeUnitOfWork, complaint_id: uuid.UUID) -> list[TimelineEntry]:
        nonlocal row_by_row
        row_by_row += 1
        return await one_row(self, complaint_id)

    monkeypatch.setattr(IntakeUnitOfWork, "timeline", counted)
    response = await intake.http.get(
        "/open311/v2/requests.json",
        params={
            "jurisdiction_id": REGENCY,
            "service_request_id": ",".join(sorted(tickets)),
            # the operator's key: these complaints are not about basic services only
            "api_key": intake.credentials["operators"][VILLAGE],
        },
    )
    assert response.status_code == 200, response.text
    listed = {r["service_request_id"]: r for r in response.json()}
    assert set(listed) == tickets
    assert {r["status"] for r in listed.values()} == {"open"}
    assert {r["status_notes"] for r in listed.values()} == {"received"}
    assert row_by_row == 0
