"""Projections and reports on the Postgres unit of work, each test in a transaction of its own."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest
import pytest_asyncio

from monitoring.adapters.unit_of_work import MonitoringUnitOfWork
from monitoring.domain.ranking import Policy
from monitoring.service_layer import projections, reports
from slrt_shared.contracts.events import (
    AgencyRegistered,
    CaseResolved,
    ComplaintClosed,
    ComplaintCreated,
    ReferralDispatched,
    ReferralEscalated,
    ReferralOutcome,
    ReferralStatus,
    ReferralUpdated,
)

REGENCY = "32.15"
KEC_A, KEC_B = "32.15.02", "32.15.01"
BUSY, QUIET, IDLE, ELSEWHERE = "32.15.02.2001", "32.15.02.2002", "32.15.02.2003", "32.15.01.1001"
NOW = datetime(2025, 6, 20, tzinfo=UTC)
JUNE = datetime(2025, 6, 2, tzinfo=UTC)
MAY = datetime(2025, 5, 12, tzinfo=UTC)
DAY = timedelta(days=1)
POLICY = Policy(min_caseload=5)

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]


REGIONS = [
    (REGENCY, "Kabupaten Karawang", "regency", "32"),
    (KEC_A, "Pangkalan", "district", REGENCY),
    (KEC_B, "Karawang Barat", "district", REGENCY),
    (BUSY, "Ramai", "village", KEC_A),
    (QUIET, "Sepi", "village", KEC_A),
    (IDLE, "Diam", "village", KEC_A),
    (ELSEWHERE, "Lain", "village", KEC_B),
]


@pytest_asyncio.fixture(loop_scope="session")
async def uow(uow: MonitoringUnitOfWork) -> MonitoringUnitOfWork:
    """The test's transaction, with a small regency's regions (as `seed` would load them)."""
    await uow.conn.executemany(
        "INSERT INTO regions (code, name, level, parent_code) VALUES ($1, $2, $3, $4)", REGIONS
    )
    return uow


class Case:
    """One complaint told through its events, each applied with the projection handlers."""

    def __init__(self, uow: MonitoringUnitOfWork, village: str, received_at: datetime) -> None:
        self.uow = uow
        self.village = village
        self.received_at = received_at
        self.id = uuid4()

    async def created(self) -> Case:
        data = ComplaintCreated(
            complaint_id=self.id,
            ticket="SLRT-TEST",
            village_code=self.village,
            needs=["JKN-PBI"],
            channel="walk_in",
            received_at=self.received_at,
            recorded_at=self.received_at,
        )
        await projections.on_created(data, self.uow)
        return self

    async def referred(self, agency: str = "DINSOS", due_days: float = 5) -> UUID:
        referral = uuid4()
        data = ReferralDispatched(
            referral_id=referral,
            complaint_id=self.id,
            ticket="SLRT-TEST",
            village_code=self.village,
            service_code="JKN-PBI",
            agency_code=agency,
            attempt=1,
            dispatched_at=self.received_at,
            due_at=self.received_at + due_days * DAY,
        )
        await projections.on_dispatched(data, self.uow)
        return referral

    async def resolved(self, referral: UUID, after_days: float, agency: str = "DINSOS") -> None:
        data = CaseResolved(
            referral_id=referral,
            complaint_id=self.id,
            agency_code=agency,
            outcome="resolved",
            resolved_at=self.received_at + after_days * DAY,
        )
        await projections.on_resolved(data, self.uow)

    async def updated(self, referral: UUID, status: ReferralStatus) -> None:
        data = ReferralUpdated(
            referral_id=referral,
            complaint_id=self.id,
            agency_code="DINSOS",
            status=status,
            at=self.received_at + DAY,
        )
        await projections.on_updated(data, self.uow)

    async def escalated(self, referral: UUID) -> None:
        data = ReferralEscalated(
            referral_id=referral, complaint_id=self.id, level="kecamatan", at=self.received_at
        )
        await projections.on_escalated(data, self.uow)

    async def closed(self, after_days: float, referral: UUID | None = None) -> None:
        data = ComplaintClosed(
            complaint_id=self.id,
            ticket="SLRT-TEST",
            village_code=self.village,
            closed_at=self.received_at + after_days * DAY,
            outcomes=[
                ReferralOutcome(
                    referral_id=referral or uuid4(),
                    service_code="JKN-PBI",
                    agency_code="DINSOS",
                    outcome="resolved",
                )
            ],
        )
        await projections.on_closed(data, self.uow)


async def closed_case(uow: MonitoringUnitOfWork, village: str, when: datetime, days: float) -> None:
    """A complaint referred once, resolved and closed after `days`."""
    case = await Case(uow, village, when).created()
    referral = await case.referred()
    await case.resolved(referral, days)
    await case.closed(days, referral)


async def open_case(uow: MonitoringUnitOfWork, village: str, when: datetime) -> None:
    """A complaint referred once and still open."""
    case = await Case(uow, village, when).created()
    await case.referred()


async def ranking(
    uow: MonitoringUnitOfWork, period: str | None, level: str
) -> list[dict[str, Any]]:
    """The regency's ranking at NOW."""
    return await reports.ranking(
        reports.Ranking(REGENCY, period, level), uow, policy=POLICY, now=NOW
    )


async def report_card(
    uow: MonitoringUnitOfWork, village: str, period: str | None
) -> dict[str, Any]:
    """A village's report card at NOW."""
    return await reports.report_card(
        reports.ReportCard(village, period), uow, policy=POLICY, now=NOW
    )


def by_code(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {r["code"]: r for r in rows}


async def test_facts_that_arrive_before_their_complaint_are_kept(uow: MonitoringUnitOfWork) -> None:
    case = Case(uow, BUSY, JUNE)
    referral = await case.referred()
    await case.resolved(referral, 2)
    await case.closed(2, referral)
    await case.created()

    card = await report_card(uow, BUSY, None)
    assert (card["received"], card["closed"], card["open_backlog"]) == (1, 1, 0)
    assert card["sla_compliance"] == 1.0
    agencies = await ranking(uow, None, "agency")
    assert [(a["code"], a["referrals"], a["resolved"]) for a in agencies] == [("DINSOS", 1, 1)]


async def test_a_village_ranks_from_the_minimum_caseload_and_an_idle_one_is_not_active(
    uow: MonitoringUnitOfWork,
) -> None:
    for _ in range(4):
        await closed_case(uow, BUSY, JUNE, days=2)
    await open_case(uow, BUSY, JUNE)
    for _ in range(2):
        await closed_case(uow, QUIET, JUNE, days=1)
    await open_case(uow, ELSEWHERE, JUNE)

    rows = by_code(await ranking(uow, "2025-06", "village"))
    assert (rows[BUSY]["rank"], rows[BUSY]["status"]) == (1, "ranked")
    assert (rows[BUSY]["received"], rows[BUSY]["closed"], rows[BUSY]["open_backlog"]) == (5, 4, 1)
    assert rows[BUSY]["resolution_rate"] == 0.8
    assert (rows[QUIET]["rank"], rows[QUIET]["status"], rows[QUIET]["closed"]) == (
        None,
        "too_few_cases",
        2,
    )
    assert (rows[IDLE]["rank"], rows[IDLE]["status"], rows[IDLE]["received"]) == (
        None,
        "not_active",
        0,
    )


async def test_a_kecamatan_counts_the_complaints_of_its_villages(uow: MonitoringUnitOfWork) -> None:
    for village in (BUSY, QUIET, QUIET):
        await closed_case(uow, village, JUNE, days=1)
    await open_case(uow, ELSEWHERE, JUNE)

    rows = by_code(await ranking(uow, "all", "kecamatan"))
    assert (rows[KEC_A]["received"], rows[KEC_A]["closed"]) == (3, 3)
    assert (rows[KEC_B]["received"], rows[KEC_B]["open_backlog"]) == (1, 1)
    assert {r["status"] for r in rows.values()} == {"too_few_cases"}


async def test_a_month_counts_only_the_complaints_received_in_it(uow: MonitoringUnitOfWork) -> None:
    await closed_case(uow, BUSY, MAY, days=3)
    await open_case(uow, BUSY, JUNE)

    june = await report_card(uow, BUSY, "2025-06")
    all_time = await report_card(uow, BUSY, None)
    assert (june["received"], june["closed"]) == (1, 0)
    assert (all_time["received"], all_time["closed"], all_time["period"]) == (2, 1, "all")
    assert [(p["period"], p["received"]) for p in june["trend"][-2:]] == [
        ("2025-05", 1),
        ("2025-06", 1),
    ]


async def test_rejections_and_escalations_are_counted_and_progress_changes_nothing(
    uow: MonitoringUnitOfWork,
) -> None:
    case = await Case(uow, BUSY, JUNE).created()
    first = await case.referred(agency="DINKES")
    await case.updated(first, "in_progress")
    await case.updated(first, "rejected")
    second = await case.referred(agency="DINSOS", due_days=3)
    await case.escalated(second)
    await case.escalated(second)

    card = await report_card(uow, BUSY, None)
    assert card["escalations"] == 2
    assert card["sla_compliance"] == 0.0  # DINSOS's referral is past due and open
    agencies = by_code(await ranking(uow, "all", "agency"))
    assert agencies["DINKES"]["rejection_rate"] == 1.0
    assert (agencies["DINSOS"]["referrals"], agencies["DINSOS"]["resolved"]) == (1, 0)


async def test_an_agency_announced_on_directory_agencies_is_named_in_the_ranking(
    uow: MonitoringUnitOfWork,
) -> None:
    case = await Case(uow, BUSY, JUNE).created()
    await case.referred(agency="DINSOSKAB")
    before = by_code(await ranking(uow, "all", "agency"))
    assert before["DINSOSKAB"]["name"] == "DINSOSKAB"  # not known yet: shown by its code

    registered = AgencyRegistered(
        code="DINSOSKAB",
        name_id="Dinas Sosial Kabupaten",
        name_en="Regency Social Affairs",
        kind="opd",
        registered_at=NOW,
    )
    await projections.on_agency_registered(registered, uow)
    await projections.on_agency_registered(registered, uow)  # an upsert by code
    after = by_code(await ranking(uow, "all", "agency"))
    assert after["DINSOSKAB"]["name"] == "Dinas Sosial Kabupaten"
    assert await uow.conn.fetchval("SELECT count(*) FROM agencies WHERE code = 'DINSOSKAB'") == 1
