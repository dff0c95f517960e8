"""The console's queues on a real Postgres, through the HTTP app: what waits at the secretariat,
what is overdue, what was escalated, each reader seeing only their area."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest
import pytest_asyncio

from referral.adapters.repository import ReferralUnitOfWork
from referral.service_layer.context import Context
from referral.service_layer.escalation import EscalateOverdue, escalate_overdue
from slrt_devstack.fixtures import REGENCY
from slrt_shared.contracts.topics import TopicLayout

from .conftest import CALENDAR, MONDAY, ReferralApp, created, referral_app

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]

ADMIN = "adm_" + secrets.token_hex(8)


@dataclass
class Clock:
    now: datetime

    def __call__(self) -> datetime:
        return self.now


CLOCK = Clock(MONDAY)


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def service(test_env) -> AsyncIterator[ReferralApp]:  # type: ignore[no-untyped-def]
    async with referral_app(test_env.admin_url, "q", {"admin": ADMIN}, ADMIN, clock=CLOCK) as app:
        yield app


async def escalate(service: ReferralApp, context: Context) -> None:
    async with ReferralUnitOfWork(service.pool, TopicLayout()) as uow:
        await escalate_overdue(EscalateOverdue(), uow, context=context)
        await uow.commit()


async def test_each_reader_gets_the_queues_of_their_area(service: ReferralApp) -> None:
    context = Context(CALENDAR, CLOCK)
    # A: twice past its SLA, escalated to the kabupaten; B: once, to its kecamatan; C: a need
    # without a rule, waiting at the secretariat.
    a = await created(service.pool, context, f"{REGENCY}.02.2001", ["JKN-PBI"])
    for days in (30, 60):
        CLOCK.now = MONDAY + timedelta(days=days)
        await escalate(service, context)
    b = await created(service.pool, context, f"{REGENCY}.03.2001", ["PIP"])
    CLOCK.now = MONDAY + timedelta(days=90)
    await escalate(service, context)
    c = await created(service.pool, context, f"{REGENCY}.02.2001", ["LAINNYA"])

    async with service.client() as http:

        async def token(kind: str, area: str) -> str:
            answer = await http.post(
                "/v1/admin/staff",
                json={"kind": kind, "area_code": area, "name": f"Uji {area}"},
                headers={"Authorization": f"Bearer {ADMIN}"},
            )
            return str(answer.json()["token"])

        async def queues(bearer: str) -> dict[str, list[str]]:
            answer = await http.get(
                "/v1/console/queues", headers={"Authorization": f"Bearer {bearer}"}
            )
            assert answer.status_code == 200, answer.text
            return {
                name: [item["complaint_id"] for item in items]
                for name, items in answer.json().items()
            }

        assert await queues(await token("secretariat", REGENCY)) == {
            "waiting": [str(c)],
            "overdue": [str(a), str(b)],
            "escalated": [str(a)],
        }
        assert await queues(await token("kecamatan", f"{REGENCY}.02")) == {"escalated": [str(a)]}
        assert await queues(await token("kecamatan", f"{REGENCY}.03")) == {"escalated": [str(b)]}
        assert await queues(await token("secretariat", "32.16")) == {
            "waiting": [],
            "overdue": [],
            "escalated": [],
        }
        unauthenticated = await http.get("/v1/console/queues")
        assert unauthenticated.status_code == 401
