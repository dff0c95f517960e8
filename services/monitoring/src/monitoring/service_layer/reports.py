"""Read measures, rankings and report cards; publish rankings when they change."""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from typing import Any

from monitoring.adapters.repository import MonitoringUnitOfWork
from monitoring.domain.measures import ComplaintFact, ReferralFact, measure, measure_agency
from monitoring.domain.ranking import Policy, rank
from slrt_shared import reference
from slrt_shared.contracts import topics
from slrt_shared.contracts.envelope import new_event
from slrt_shared.contracts.events import RankingRow, RankingUpdated

LEVELS = ("village", "kecamatan", "agency")
ROLLING = "rolling-30d"


def current_month(now: datetime) -> str:
    """The month of a moment, as YYYY-MM."""
    return now.astimezone(UTC).strftime("%Y-%m")


def period_bounds(period: str | None, now: datetime) -> tuple[datetime | None, datetime | None]:
    """[start, end) of a YYYY-MM month or of the last 30 days; (None, None) for all time."""
    if not period or period == "all":
        return None, None
    if period == ROLLING:
        return now - timedelta(days=30), None
    start = datetime.strptime(period, "%Y-%m").replace(tzinfo=UTC)
    end = (
        start.replace(year=start.year + 1, month=1)
        if start.month == 12
        else start.replace(month=start.month + 1)
    )
    return start, end


def months_before(period: str, count: int) -> list[str]:
    """The `count` months ending with `period`, oldest first."""
    year, month = map(int, period.split("-"))
    out = []
    for _ in range(count):
        out.append(f"{year:04d}-{month:02d}")
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return out[::-1]


async def area_measures(
    uow: MonitoringUnitOfWork, regency: str, period: str | None, level: str, now: datetime
) -> dict[str, tuple[str, Any]]:
    """Named measures of every village or kecamatan of a regency, active or not."""
    start, end = period_bounds(period, now)
    complaints: dict[str, list[ComplaintFact]] = defaultdict(list)
    referrals: dict[str, list[ReferralFact]] = defaultdict(list)
    for c in await uow.complaint_facts(regency, start, end, level):
        complaints[c.area].append(c)
    for r in await uow.referral_facts(regency, start, end, level):
        referrals[r.area].append(r)
    areas = await (uow.villages(regency) if level == "village" else uow.kecamatan(regency))
    return {
        a["code"]: (a["name"], measure(complaints[a["code"]], referrals[a["code"]], now))
        for a in areas
    }


async def regency_measures(
    uow: MonitoringUnitOfWork, regency: str, period: str | None, now: datetime
) -> dict[str, Any]:
    """The whole regency's measures."""
    start, end = period_bounds(period, now)
    complaints = await uow.complaint_facts(regency, start, end, "village")
    referrals = await uow.referral_facts(regency, start, end, "village")
    return asdict(measure(complaints, referrals, now))


async def agency_measures(
    uow: MonitoringUnitOfWork, regency: str, period: str | None, now: datetime
) -> list[dict[str, Any]]:
    """Every agency's measures, best SLA compliance first."""
    start, end = period_bounds(period, now)
    by_agency: dict[str, list[ReferralFact]] = defaultdict(list)
    for r in await uow.referral_facts(regency, start, end, "agency"):
        by_agency[r.area].append(r)
    names = {a.code: a.name_id for a in reference.agencies().values()}
    rows = [
        {"code": code, "name": names.get(code, code), **asdict(measure_agency(refs, now))}
        for code, refs in by_agency.items()
    ]
    rows.sort(
        key=lambda r: (-(r["sla_compliance"] or 0), r["median_days_to_resolve"] or 1e9, r["code"])
    )
    for position, row in enumerate(rows, start=1):
        row["rank"] = position
    return rows


async def ranking(
    uow: MonitoringUnitOfWork,
    regency: str,
    period: str | None,
    level: str,
    policy: Policy,
    now: datetime,
    kecamatan: str | None = None,
) -> list[dict[str, Any]]:
    """Rows of the ranking of villages, kecamatan or agencies."""
    if level == "agency":
        return await agency_measures(uow, regency, period, now)
    ranked = rank(await area_measures(uow, regency, period, level, now), policy)
    rows = [
        {
            "rank": r.rank,
            "code": r.code,
            "name": r.name,
            "score": r.score,
            "status": r.status,
            "flagged": r.flagged,
            **asdict(r.measures),
        }
        for r in ranked
    ]
    if kecamatan:
        rows = [row for row in rows if row["code"].startswith(kecamatan + ".")]
    return rows


async def report_card(
    uow: MonitoringUnitOfWork, village: str, period: str | None, policy: Policy, now: datetime
) -> dict[str, Any]:
    """A Puskesos's measures for a period, its place, and six months of trend."""
    regency = village.rsplit(".", 2)[0]
    rows = {r["code"]: r for r in await ranking(uow, regency, period, "village", policy, now)}
    trend = []
    for month in months_before(
        period if period and period[:2].isdigit() and len(period) == 7 else current_month(now), 6
    ):
        monthly = {r["code"]: r for r in await ranking(uow, regency, month, "village", policy, now)}
        row = monthly[village]
        trend.append(
            {
                "period": month,
                "received": row["received"],
                "closed": row["closed"],
                "score": row["score"],
            }
        )
    return {**rows[village], "period": period or "all", "trend": trend}


def _digest(rows: list[dict[str, Any]]) -> str:
    return hashlib.sha256(json.dumps(rows, sort_keys=True, default=str).encode()).hexdigest()


async def publish_changed(
    uow: MonitoringUnitOfWork, regencies: list[str], policy: Policy, now: datetime
) -> int:
    """Recompute the current rankings; store and announce (ranking.updated) those that changed."""
    published = 0
    for regency in regencies:
        for period in (current_month(now), ROLLING):
            for level in LEVELS:
                rows = await ranking(uow, regency, period, level, policy, now)
                stable = [
                    {k: v for k, v in r.items() if k not in {"backlog_median_age_days"}}
                    for r in rows
                ]
                digest = _digest(stable)
                previous = await uow.snapshot(regency, period, level)
                if previous is not None and previous["digest"] == digest:
                    continue
                payload = json.dumps(rows, default=str)
                await uow.save_snapshot(regency, period, level, digest, payload, now)
                event = RankingUpdated(
                    regency_code=regency,
                    period=period,
                    level=level,  # type: ignore[arg-type]
                    computed_at=now,
                    rows=[
                        RankingRow(
                            rank=r["rank"],
                            code=r["code"],
                            name=r["name"],
                            score=r.get("score", (r.get("sla_compliance") or 0) * 100),
                            complaints=r.get("received", r.get("referrals", 0)),
                            closed=r.get("closed", r.get("resolved", 0)),
                        )
                        for r in rows
                    ],
                )
                uow.emit(
                    topics.RANKING_UPDATED,
                    new_event(event, source="/slrt/monitoring", subject=regency, time=now),
                )
                published += 1
    return published
