"""The residents' verdicts in the reports and the ranking, on Postgres (a transaction per test)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import pytest
import pytest_asyncio

from monitoring.adapters.unit_of_work import MonitoringUnitOfWork
from monitoring.domain.ranking import Policy, Weights
from monitoring.service_layer import publishing, reports, verdicts
from slrt_shared.contracts.events import ComplaintRated, ComplaintReopened, Solved

from .test_service_layer import BUSY, JUNE, MAY, NOW, QUIET, REGENCY, REGIONS, Case

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]

DEFAULT = Policy(min_caseload=1)
WEIGHED = Policy(Weights(0.5, 0.3, 0.2, satisfaction=0.5, not_reopened=0.5), min_caseload=1)


@pytest_asyncio.fixture(loop_scope="session")
async def uow(uow: MonitoringUnitOfWork) -> MonitoringUnitOfWork:
    """The test's transaction, with a small regency's regions (as `seed` would load them)."""
    await uow.conn.executemany(
        "INSERT INTO regions (code, name, level, parent_code) VALUES ($1, $2, $3, $4)", REGIONS
    )
    return uow


async def closed(uow: MonitoringUnitOfWork, village: str, when: datetime, agency: str) -> Case:
    """A complaint referred to `agency`, resolved and closed after a day."""
    case = await Case(uow, village, when).created()
    referral = await case.referred(agency)
    await case.resolved(referral, 1, agency)
    await case.closed(1, referral)
    return case


async def rate(case: Case, solved: Solved, rating: int, revision: int = 1) -> None:
    """The resident's verdict (revision `revision`) on a case."""
    data = ComplaintRated(
        complaint_id=case.id,
        ticket="SLRT-TEST",
        village_code=case.village,
        solved=solved,
        rating=rating,
        by="resident",
        revision=revision,
        rated_at=NOW,
    )
    await verdicts.on_rated(data, case.uow)


async def reopen(case: Case, reopening: int = 1) -> None:
    """A reopening of a case."""
    data = ComplaintReopened(
        complaint_id=case.id,
        ticket="SLRT-TEST",
        village_code=case.village,
        scope="all",
        reason_code="belum_selesai",
        by="resident",
        reopening=reopening,
        reopened_at=NOW,
    )
    await verdicts.on_reopened(data, case.uow)


async def ranking(
    uow: MonitoringUnitOfWork, period: str | None, level: str, policy: Policy = DEFAULT
) -> dict[str, dict[str, Any]]:
    """The regency's ranking at NOW, by code."""
    rows = await reports.ranking(
        reports.Ranking(REGENCY, period, level), uow, policy=policy, now=NOW
    )
    return {r["code"]: r for r in rows}


async def test_verdicts_per_village_kecamatan_and_agency_by_the_period_of_the_complaint(
    uow: MonitoringUnitOfWork,
) -> None:
    happy = await closed(uow, BUSY, JUNE, "DINSOS")
    unhappy = await closed(uow, BUSY, JUNE, "DINSOS")
    await closed(uow, BUSY, JUNE, "BPJSKES")  # closed, no verdict
    older = await closed(uow, BUSY, MAY, "DINSOS")
    await rate(happy, "yes", 5)
    await rate(unhappy, "partly", 3)
    await rate(unhappy, "no", 1, revision=2)
    await rate(unhappy, "yes", 5, revision=1)  # older, read later: ignored
    await reopen(unhappy)
    await reopen(unhappy, 2)
    await reopen(unhappy, 2)  # the same reopening again
    # Its second attempt goes to the same agency: still one complaint of DINSOS.
    await unhappy.referred("DINSOS")
    await rate(older, "no", 2)

    card = await reports.report_card(
        reports.ReportCard(BUSY, "2025-06"), uow, policy=DEFAULT, now=NOW
    )
    assert card["verdicts"] == {
        "verdicts": 2,
        "solved_yes": 0.5,
        "solved_partly": 0.0,
        "solved_no": 0.5,
        "mean_rating": 3.0,
        "satisfaction": 0.5,
        "closed": 3,
        "reopened": 1,
        "reopen_rate": 0.3333,
    }
    trend = {t["period"]: t for t in card["trend"]}
    assert (trend["2025-05"]["mean_rating"], trend["2025-05"]["reopen_rate"]) == (2.0, 0.0)
    assert (trend["2025-06"]["mean_rating"], trend["2025-06"]["reopen_rate"]) == (3.0, 0.3333)
    whole = await reports.report_card(reports.ReportCard(BUSY, None), uow, policy=DEFAULT, now=NOW)
    assert (whole["verdicts"]["verdicts"], whole["verdicts"]["closed"]) == (3, 4)
    empty = await reports.report_card(
        reports.ReportCard(QUIET, "2025-06"), uow, policy=DEFAULT, now=NOW
    )
    assert empty["verdicts"]["verdicts"] == 0 and empty["verdicts"]["reopen_rate"] is None

    agencies = await ranking(uow, "2025-06", "agency")
    dinsos, bpjs = agencies["DINSOS"]["verdicts"], agencies["BPJSKES"]["verdicts"]
    assert (dinsos["verdicts"], dinsos["mean_rating"], dinsos["closed"], dinsos["reopened"]) == (
        2,
        3.0,
        2,
        1,
    )
    assert (bpjs["verdicts"], bpjs["closed"], bpjs["reopen_rate"]) == (0, 1, 0.0)


async def test_weighed_verdicts_rank_villages_and_the_job_republishes_on_a_verdict_alone(
    uow: MonitoringUnitOfWork,
) -> None:
    praised = [await closed(uow, QUIET, JUNE, "DINSOS") for _ in range(3)]
    blamed = [await closed(uow, BUSY, JUNE, "DINSOS") for _ in range(3)]
    for case in praised:
        await rate(case, "yes", 5)
    for case in blamed:
        await rate(case, "no", 1)
    # Alike on every other measure: tied by default.
    tied = await ranking(uow, "2025-06", "village")
    assert tied[BUSY]["score"] == tied[QUIET]["score"] == 100.0
    # Weighed: satisfaction 1 and 0 on 3 verdicts each, shrunk toward the pooled 0.5 by 5:
    # 0.6875 and 0.3125; nothing reopened. Raw scores 92.19 and 82.81 (weights 0.5+0.3+0.2 on
    # shares of 1, 0.5 on satisfaction, 0.5 on not reopened), then shrunk toward their mean 87.5.
    weighed = await ranking(uow, "2025-06", "village", WEIGHED)
    assert (weighed[QUIET]["rank"], weighed[QUIET]["score"]) == (1, 89.3)
    assert (weighed[BUSY]["rank"], weighed[BUSY]["score"]) == (2, 85.7)
    # The kecamatan pools both villages' verdicts: satisfaction 0.5.
    kecamatan = await ranking(uow, "2025-06", "kecamatan", WEIGHED)
    assert kecamatan[QUIET[:8]]["score"] == 87.5

    command = publishing.PublishRankings([REGENCY])
    memory = publishing.RankingMemory()
    await publishing.publish_changed(command, uow, memory, policy=WEIGHED, now=NOW)
    assert await snapshot(uow) == [(QUIET, 89.3), (BUSY, 85.7)]
    # Only verdicts change (no fact does): the blamed village's residents change their minds.
    for case in blamed:
        await rate(case, "yes", 5, revision=2)
    assert await publishing.publish_changed(command, uow, memory, policy=WEIGHED, now=NOW) >= 1
    assert await snapshot(uow) == [(BUSY, 100.0), (QUIET, 100.0)]

    # With the default weights a verdict alone changes nothing published.
    memory = publishing.RankingMemory()
    await publishing.publish_changed(command, uow, memory, policy=DEFAULT, now=NOW)
    before = await snapshot(uow)
    for case in blamed:
        await rate(case, "no", 1, revision=3)
    assert await publishing.publish_changed(command, uow, memory, policy=DEFAULT, now=NOW) == 0
    assert await snapshot(uow) == before


async def snapshot(uow: MonitoringUnitOfWork) -> list[tuple[str, float | None]]:
    """The stored village ranking of the current month: the ranked codes and scores in order."""
    payload = await uow.conn.fetchval(
        "SELECT payload FROM ranking_snapshots WHERE regency_code = $1 AND period = $2"
        " AND level = 'village'",
        REGENCY,
        NOW.strftime("%Y-%m"),
    )
    rows = json.loads(payload) if isinstance(payload, str) else payload
    return [(r["code"], r["score"]) for r in rows if r["rank"] is not None]
