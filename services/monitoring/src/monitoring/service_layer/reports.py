"""Read the measures of villages and the ranking of a regency."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime

from monitoring.adapters.repository import MonitoringUnitOfWork
from monitoring.domain.measures import (
    ComplaintFact,
    Ranked,
    ReferralFact,
    Report,
    rank,
    report,
)


def period_bounds(period: str | None) -> tuple[datetime | None, datetime | None]:
    """[start, end) of a YYYY-MM month in UTC; (None, None) for all time."""
    if not period:
        return None, None
    start = datetime.strptime(period, "%Y-%m").replace(tzinfo=UTC)
    end = (
        start.replace(year=start.year + 1, month=1)
        if start.month == 12
        else start.replace(month=start.month + 1)
    )
    return start, end


LEVELS = ("village", "kecamatan")


def _group(village_code: str, level: str) -> str:
    return village_code if level == "village" else village_code.rsplit(".", 1)[0]


async def reports(
    uow: MonitoringUnitOfWork, regency: str, period: str | None, level: str = "village"
) -> dict[str, tuple[str, Report]]:
    """A named report per village or kecamatan of a regency, active or not."""
    start, end = period_bounds(period)
    complaints: dict[str, list[ComplaintFact]] = defaultdict(list)
    referrals: dict[str, list[ReferralFact]] = defaultdict(list)
    for village, c in await uow.complaint_facts(regency, start, end):
        complaints[_group(village, level)].append(c)
    for village, r in await uow.referral_facts(regency, start, end):
        referrals[_group(village, level)].append(r)
    areas = await (uow.villages(regency) if level == "village" else uow.kecamatan(regency))
    return {
        a["code"]: (a["name"], report(complaints[a["code"]], referrals[a["code"]])) for a in areas
    }


async def ranking(
    uow: MonitoringUnitOfWork, regency: str, period: str | None, level: str, min_caseload: int
) -> list[Ranked]:
    """The ranking of a regency's villages or kecamatan."""
    return rank(await reports(uow, regency, period, level), min_caseload)
