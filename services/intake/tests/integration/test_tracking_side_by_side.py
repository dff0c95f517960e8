"""The public status when a complaint's events are handled side by side, on a real Postgres.

With several replicas, referral.dispatched and referral.updated of one complaint may be read by
different members and handled in transactions that run at the same time.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

import asyncpg
import pytest

from intake.adapters.repository import IntakeUnitOfWork
from intake.service_layer import tracking
from slrt_devstack import fixtures
from slrt_devstack.testing import eventually
from slrt_shared.contracts.envelope import new_event
from slrt_shared.contracts.events import ReferralUpdated

from .conftest import Intake, dispatch_of
from .test_intake_flow import register

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]


async def waiting_for_a_lock(intake: Intake, pid: int) -> bool:
    conn = await asyncpg.connect(intake.dsn)
    try:
        kind = await conn.fetchval(
            "SELECT wait_event_type FROM pg_stat_activity WHERE pid = $1", pid
        )
        return bool(kind == "Lock")
    finally:
        await conn.close()


async def test_a_dispatch_handled_beside_its_acknowledgement_does_not_set_the_status_back(
    intake: Intake,
) -> None:
    answer = await register(intake)
    complaint_id, ticket = uuid.UUID(answer["complaint_id"]), answer["ticket"]
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=1)
    referral_id = uuid.uuid4()
    dispatched = dispatch_of(referral_id, complaint_id, ticket, start)
    acknowledged = ReferralUpdated(
        referral_id=referral_id,
        complaint_id=complaint_id,
        agency_code="BPJSKES",
        status="acknowledged",
        at=start + timedelta(minutes=1),
    )
    async with (
        fixtures.pool(intake.dsn, "intake") as pool,
        IntakeUnitOfWork(pool, intake.layout) as first,
        IntakeUnitOfWork(pool, intake.layout) as second,
    ):
        # The acknowledgement is worked first, and the dispatch before it commits.
        event = new_event(acknowledged, source="/slrt/agency-gateway", subject=complaint_id)
        assert await first.claim(event.id, acknowledged.topic)
        await tracking.on_updated(first, acknowledged, event)

        async def dispatch() -> None:
            event = new_event(dispatched, source="/slrt/referral", subject=complaint_id)
            assert await second.claim(event.id, dispatched.topic)
            await tracking.on_dispatched(second, dispatched, event)

        later = asyncio.create_task(dispatch())
        pid = second.conn.get_server_pid()

        async def finished_or_waiting() -> bool:
            return later.done() or await waiting_for_a_lock(intake, pid)

        await eventually(finished_or_waiting)
        await first.commit()
        await later
        await second.commit()

    tracked = (await intake.http.get(f"/v1/track/{ticket}")).json()
    assert [e["kind"] for e in tracked["timeline"]] == ["received", "referred", "acknowledged"]
    assert tracked["status"] == "in_progress"
    stored = await intake.http.get(f"/v1/complaints/{complaint_id}", headers=intake.operator())
    assert stored.json()["status"] == "in_progress"
