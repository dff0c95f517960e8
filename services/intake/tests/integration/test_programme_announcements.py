"""Intake announces the programmes on a real Kafka and Postgres: each facilitator saved and each
target set lands once on its topic with its key, in the transaction of the change; registries
from before the announcements are caught up once however many replicas run the catch-up; and a
graduation's decision is announced once, whether its event comes twice or two replicas decide
it at the same moment."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest

from intake.adapters.repository import IntakeUnitOfWork
from intake.service_layer import programmes, tracking
from slrt_devstack import fixtures
from slrt_devstack.testing import eventually
from slrt_shared.contracts import topics
from slrt_shared.contracts.envelope import CloudEvent
from slrt_shared.contracts.events import CaseResolved, ReferralUpdated

from .conftest import OTHER_VILLAGE, REGENCY, VILLAGE, Intake
from .test_graduations import decided, facilitator, intake, proposal, propose, rows
from .test_intake_flow import event, outbox_drained, produce, read_topic

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]

__all__ = ["intake"]  # the module's running intake, with the households' hash key


async def keyed(intake: Intake, topic: str, key: str) -> list[dict[str, Any]]:
    """The CloudEvents of a topic under a record key, in order, once the outbox is drained."""
    await eventually(lambda: outbox_drained(intake))
    return [value for k, _, value in await read_topic(intake, topic) if k == key.encode()]


async def test_each_facilitator_save_and_target_set_lands_once_on_its_topic(
    intake: Intake,
) -> None:
    code = await facilitator(intake)
    changed = {"code": code, "name": "Dewi L.", "village_codes": [VILLAGE, OTHER_VILLAGE]}
    saved = await intake.http.post(
        "/v1/admin/facilitators", json=changed, headers=intake.district()
    )
    assert saved.status_code == 200, saved.text
    year = 2031
    for total in (10, 12):
        target = {"year": year, "district_total": total, "per_facilitator": 2}
        response = await intake.http.post(
            "/v1/admin/programme-targets", json=target, headers=intake.district()
        )
        assert response.status_code == 200, response.text
    people = await keyed(intake, topics.PROGRAMME_FACILITATORS, code)
    assert [p["data"]["name"] for p in people] == ["Dewi Lestari", "Dewi L."]
    assert people[-1]["data"]["village_codes"] == [VILLAGE, OTHER_VILLAGE]
    assert people[-1]["subject"] == code
    assert people[-1]["type"] == "id.slrt.programme.facilitator_registered.v1"
    goals = await keyed(intake, topics.PROGRAMME_TARGETS, f"{REGENCY}/{year}")
    assert [g["data"]["district_total"] for g in goals] == [10, 12]
    assert goals[-1]["data"]["per_facilitator"] == 2
    # A refused save announces nothing.
    elsewhere = {"code": code, "name": "Dewi", "village_codes": ["32.16.01.2001"]}
    refused = await intake.http.post(
        "/v1/admin/facilitators", json=elsewhere, headers=intake.district()
    )
    assert refused.status_code == 422, refused.text
    assert len(await keyed(intake, topics.PROGRAMME_FACILITATORS, code)) == 2


async def test_registries_from_before_are_announced_once_by_replicas_catching_up(
    intake: Intake,
) -> None:
    code = f"PKH-OLD-{uuid.uuid4().hex[:6].upper()}"
    # Rows as the version before the announcements left them: never announced.
    await rows(
        intake,
        "WITH f AS (INSERT INTO facilitators (code, name, regency_code, village_codes)"
        " VALUES ($1, 'Pendamping Lama', $2, $3)) INSERT INTO programme_targets"
        " (regency_code, year, district_total, per_facilitator) VALUES ($2, 2032, 50, 5)",
        code,
        REGENCY,
        [VILLAGE],
    )
    async with fixtures.pool(intake.dsn, "intake") as pool:
        counts = await asyncio.gather(
            *(
                programmes.announce_registries(IntakeUnitOfWork(pool, intake.layout), batch=1)
                for _ in range(3)
            )
        )
        assert await programmes.announce_registries(IntakeUnitOfWork(pool, intake.layout)) == 0
    assert sum(counts) >= 2
    [person] = await keyed(intake, topics.PROGRAMME_FACILITATORS, code)
    assert person["data"]["name"] == "Pendamping Lama" and person["data"]["active"]
    [goal] = await keyed(intake, topics.PROGRAMME_TARGETS, f"{REGENCY}/2032")
    assert goal["data"]["district_total"] == 50


async def test_a_decision_delivered_twice_is_announced_once(intake: Intake) -> None:
    code = await facilitator(intake)
    complaint_id = (await propose(intake, proposal(code))).json()["complaint_id"]
    data = CaseResolved(
        referral_id=uuid.uuid4(),
        complaint_id=uuid.UUID(complaint_id),
        agency_code="PKH",
        outcome="resolved",
        resolved_at=datetime.now(UTC),
    )
    once = event(data, complaint_id)
    for _ in range(2):
        await produce(intake, topics.CASE_RESOLVED, once)
    await eventually(lambda: decided(intake, complaint_id, "confirmed"))
    [announced] = await keyed(intake, topics.PROGRAMME_GRADUATIONS, complaint_id)
    assert announced["data"]["decision"] == "confirmed"
    assert announced["data"]["facilitator_code"] == code
    assert announced["data"]["village_code"] == VILLAGE
    assert announced["data"]["graduation_kind"] == "sejahtera_mandiri"
    assert announced["data"]["reason_code"] is None


async def test_two_replicas_deciding_at_once_announce_one_decision(intake: Intake) -> None:
    code = await facilitator(intake)
    complaint_id = (await propose(intake, proposal(code))).json()["complaint_id"]
    at = datetime.now(UTC)
    rejected = ReferralUpdated(
        referral_id=uuid.uuid4(),
        complaint_id=uuid.UUID(complaint_id),
        agency_code="PKH",
        status="rejected",
        reason_code="tidak_memenuhi_syarat",
        at=at,
    )
    resolved = CaseResolved(
        referral_id=uuid.uuid4(),
        complaint_id=uuid.UUID(complaint_id),
        agency_code="PKH",
        outcome="unresolvable",
        resolved_at=at,
    )

    async def replica(pool: Any, work: Any, ev: CloudEvent) -> None:
        async with IntakeUnitOfWork(pool, intake.layout) as uow:
            await work(uow, ev.payload(), ev)
            await uow.commit()

    async with fixtures.pool(intake.dsn, "intake") as pool:
        await asyncio.gather(
            replica(pool, tracking.on_updated, event(rejected, complaint_id)),
            replica(pool, tracking.on_resolved, event(resolved, complaint_id)),
        )
    [announced] = await keyed(intake, topics.PROGRAMME_GRADUATIONS, complaint_id)
    assert announced["data"]["decision"] == "refused"
    # Whichever replica decided it, the reason is its own: PKH's code or its outcome.
    assert announced["data"]["reason_code"] in {"tidak_memenuhi_syarat", "unresolvable"}
    [row] = await rows(
        intake,
        "SELECT reason_code FROM graduations WHERE complaint_id = $1",
        uuid.UUID(complaint_id),
    )
    assert row["reason_code"] == announced["data"]["reason_code"]
