"""Who is not performing in a period, why, and for how many months in a row; and who is best."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from monitoring.domain.measures import AgencyTally, Tally
from monitoring.domain.periods import current_month, is_month, months_before, period_bounds
from monitoring.domain.ranking import Policy, agency_rows, ranked_rows
from monitoring.domain.underperformance import (
    agency_reason,
    agency_row_flagged,
    months_in_a_row,
    village_reason,
)
from monitoring.service_layer.unit_of_work import UnitOfWork
from monitoring.service_layer.verdict_reports import area_verdicts

# How far back a streak of flagged months is followed.
STREAK_MONTHS = 12
BEST = 5


@dataclass(frozen=True)
class Underperformers:
    """The flagged villages and agencies of a regency in a period, with the best villages."""

    regency: str
    period: str


async def _month(
    uow: UnitOfWork, regency: str, period: str | None, policy: Policy, now: datetime
) -> tuple[list[dict[str, Any]], dict[str, Tally], dict[str | None, AgencyTally]]:
    start, end = period_bounds(period, now)
    tallies = await uow.tallies([regency], start, end, "village", now)
    verdicts = await area_verdicts(uow, [regency], start, end, "village", policy)
    rows = ranked_rows(await uow.regions([regency], "village"), tallies, policy, verdicts)
    agencies = await uow.agency_tallies([regency], start, end, now)
    return rows, tallies, {agency: t for (_, agency), t in agencies.items()}


def _flagged_agencies(agencies: dict[str | None, AgencyTally], policy: Policy) -> set[str]:
    return {code for code, t in agencies.items() if code and agency_reason(t, policy)}


async def handler(
    query: Underperformers, uow: UnitOfWork, *, policy: Policy, now: datetime
) -> dict[str, Any]:
    """`villages` and `agencies` flagged (worst first) with reason and months in a row; `best`.

    A month's streak counts back from that month; another period's from the current month.
    The months before are read from their stored rankings (one statement for all of them, as
    published while each was current); a month never stored is ranked here.
    """
    rows, tallies, agencies = await _month(uow, query.regency, query.period, policy, now)
    flagged = sorted((r for r in rows if r["flagged"]), key=lambda r: (r["score"], r["code"]))
    names = await uow.agency_names()
    flagged_agencies = _flagged_agencies(agencies, policy)
    anchor = query.period if is_month(query.period) else current_month(now)
    village_months: list[set[str]] = []
    agency_months: list[set[str]] = []
    following = {r["code"] for r in flagged} | flagged_agencies
    months = months_before(anchor, STREAK_MONTHS)[::-1]
    # A closed month's flags as its stored ranking has them; the others are ranked here.
    closed = [m for m in months if m != query.period and m < current_month(now)]
    stored = await uow.stored_months(query.regency, closed) if following and closed else {}
    for month in months:
        if not following:
            break
        if (month, "village") in stored and (month, "agency") in stored:
            villages_then = set(stored[(month, "village")])
            agencies_then = {
                r["code"] for r in stored[(month, "agency")] if agency_row_flagged(r, policy)
            }
        else:
            if month == query.period:
                month_rows, month_agencies = rows, agencies
            else:
                month_rows, _, month_agencies = await _month(uow, query.regency, month, policy, now)
            villages_then = {r["code"] for r in month_rows if r["flagged"]}
            agencies_then = _flagged_agencies(month_agencies, policy)
        village_months.append(villages_then)
        agency_months.append(agencies_then)
        following &= villages_then | agencies_then
    villages = []
    for row in flagged:
        reason = village_reason(tallies[row["code"]], policy)
        villages.append(
            {
                "code": row["code"],
                "name": row["name"],
                "score": row["score"],
                "received": row["received"],
                "reason": asdict(reason) if reason else None,
                "months_in_a_row": months_in_a_row(row["code"], village_months),
            }
        )
    league = {r["code"]: r for r in agency_rows(agencies, names)}
    agencies_out = []
    for code in sorted(flagged_agencies):
        found = agency_reason(agencies[code], policy)
        assert found is not None  # flagged_agencies holds only agencies with a reason
        agencies_out.append(
            {
                "code": code,
                "name": league[code]["name"],
                "referrals": agencies[code].referrals,
                "reason": asdict(found),
                "months_in_a_row": months_in_a_row(code, agency_months),
            }
        )
    agencies_out.sort(key=lambda a: (-a["reason"]["bad"] / a["reason"]["whole"], a["code"]))
    best = [
        {"code": r["code"], "name": r["name"], "score": r["score"], "rank": r["rank"]}
        for r in rows
        if r["status"] == "ranked" and not r["flagged"]
    ][:BEST]
    return {"villages": villages, "agencies": agencies_out, "best": best}
