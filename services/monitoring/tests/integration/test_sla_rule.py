"""The SLA rule counted by Postgres is the domain's: both against one table of cases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from monitoring.adapters.unit_of_work import MonitoringUnitOfWork
from monitoring.domain.measures import ReferralFact, is_sla_judged, is_sla_met

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]

NOW = datetime(2025, 6, 20, 12, tzinfo=UTC)
DAY = timedelta(days=1)
RECEIVED = NOW - 10 * DAY

# (due, resolved, rejected) as offsets from now -> (judged, met)
CASES = [
    ((None, -DAY, False), (False, False)),  # no deadline: never judged
    ((-DAY, None, True), (False, False)),  # rejected: not the agency's SLA to meet
    ((-DAY, -2 * DAY, True), (False, False)),  # rejected, even when resolved in time
    ((-DAY, -2 * DAY, False), (True, True)),  # resolved before its deadline
    ((-DAY, -DAY, False), (True, True)),  # resolved on the deadline itself
    ((-2 * DAY, -DAY, False), (True, False)),  # resolved late
    ((-DAY, None, False), (True, False)),  # open past its deadline
    ((DAY, None, False), (False, False)),  # open, deadline still to come
    ((timedelta(0), None, False), (False, False)),  # open, due this very moment
    ((DAY, -DAY, False), (True, True)),  # resolved early, deadline still to come
]


def at(offset: timedelta | None) -> datetime | None:
    return NOW + offset if offset is not None else None


async def test_postgres_judges_and_meets_the_sla_as_the_domain_does(
    uow: MonitoringUnitOfWork,
) -> None:
    # One village and one agency per case, so each tally holds that case alone.
    for i, ((due, resolved, rejected), _) in enumerate(CASES):
        complaint = uuid4()
        await uow.add_complaint(
            {
                "complaint_id": complaint,
                "village_code": f"32.15.02.{2001 + i}",
                "kecamatan_code": "32.15.02",
                "regency_code": "32.15",
                "needs": 1,
                "channel": "walk_in",
                "received_at": RECEIVED,
                "recorded_at": RECEIVED,
            }
        )
        await uow.upsert_referral(
            uuid4(),
            complaint,
            agency_code=f"A{i}",
            dispatched_at=RECEIVED,
            due_at=at(due),
            resolved_at=at(resolved),
            rejected=rejected,
        )
    villages = await uow.tallies(["32.15"], None, None, "village", NOW)
    agencies = await uow.agency_tallies(["32.15"], None, None, NOW)
    for i, ((due, resolved, rejected), (judged, met)) in enumerate(CASES):
        fact = ReferralFact("v", f"A{i}", 1, RECEIVED, at(due), None, at(resolved), rejected, 0)
        domain = is_sla_judged(fact, NOW), is_sla_judged(fact, NOW) and is_sla_met(fact)
        assert domain == (judged, met), CASES[i]
        village = villages[f"32.15.02.{2001 + i}"]
        agency = agencies[("32.15", f"A{i}")]
        assert (village.sla_judged, village.sla_met) == (int(judged), int(met)), CASES[i]
        assert (agency.sla_judged, agency.sla_met) == (int(judged), int(met)), CASES[i]
