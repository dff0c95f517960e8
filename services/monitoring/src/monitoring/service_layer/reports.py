"""Read measures, rankings and report cards; publish rankings when they change."""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from monitoring.adapters.repository import MonitoringUnitOfWork
from monitoring.domain.measures import (
    EMPTY,
    AgencyTally,
    Tally,
    combine,
    measure_agency_tally,
    measure_tally,
)
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


def kecamatan_of(village: str) -> str:
    """The kecamatan code of a village code."""
    return village.rsplit(".", 1)[0]


def regency_of(code: str) -> str:
    """The regency code of a kecamatan or village code."""
    return ".".join(code.split(".")[:2])


def by_kecamatan(villages: dict[str, Tally]) -> dict[str, Tally]:
    """Kecamatan tallies from the tallies of their villages."""
    grouped: dict[str, list[Tally]] = defaultdict(list)
    for code, t in villages.items():
        grouped[kecamatan_of(code)].append(t)
    return {code: combine(parts) for code, parts in grouped.items()}


def ranked_rows(
    regions: list[dict[str, Any]], tallies: dict[str, Tally], policy: Policy
) -> list[dict[str, Any]]:
    """Rank named areas (every one listed, active or not) from their tallies."""
    areas = {a["code"]: (a["name"], measure_tally(tallies.get(a["code"], EMPTY))) for a in regions}
    return [
        {
            "rank": r.rank,
            "code": r.code,
            "name": r.name,
            "score": r.score,
            "status": r.status,
            "flagged": r.flagged,
            **asdict(r.measures),
        }
        for r in rank(areas, policy)
    ]


def agency_rows(tallies: dict[str | None, AgencyTally]) -> list[dict[str, Any]]:
    """Every agency's measures, best SLA compliance first."""
    names = {a.code: a.name_id for a in reference.agencies().values()}
    rows = [
        {
            "code": code,
            "name": names.get(code, code) if code else code,
            **asdict(measure_agency_tally(t)),
        }
        for code, t in tallies.items()
    ]
    rows.sort(
        key=lambda r: (-(r["sla_compliance"] or 0), r["median_days_to_resolve"] or 1e9, r["code"])
    )
    for position, row in enumerate(rows, start=1):
        row["rank"] = position
    return rows


async def area_measures(
    uow: MonitoringUnitOfWork, regency: str, period: str | None, level: str, now: datetime
) -> dict[str, tuple[str, Any]]:
    """Named measures of every village or kecamatan of a regency, active or not."""
    start, end = period_bounds(period, now)
    tallies = await uow.tallies([regency], start, end, "village", now)
    if level != "village":
        tallies = by_kecamatan(tallies)
    areas = await (uow.villages(regency) if level == "village" else uow.kecamatan(regency))
    return {a["code"]: (a["name"], measure_tally(tallies.get(a["code"], EMPTY))) for a in areas}


async def regency_measures(
    uow: MonitoringUnitOfWork, regency: str, period: str | None, now: datetime
) -> dict[str, Any]:
    """The whole regency's measures."""
    start, end = period_bounds(period, now)
    tallies = await uow.tallies([regency], start, end, "village", now)
    return asdict(measure_tally(combine(list(tallies.values()))))


async def agency_measures(
    uow: MonitoringUnitOfWork, regency: str, period: str | None, now: datetime
) -> list[dict[str, Any]]:
    """Every agency's measures, best SLA compliance first."""
    start, end = period_bounds(period, now)
    tallies = await uow.agency_tallies([regency], start, end, now)
    return agency_rows({agency: t for (_, agency), t in tallies.items()})


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
    start, end = period_bounds(period, now)
    tallies = await uow.tallies([regency], start, end, "village", now)
    if level == "village":
        rows = ranked_rows(await uow.villages(regency), tallies, policy)
    else:
        rows = ranked_rows(await uow.kecamatan(regency), by_kecamatan(tallies), policy)
    if kecamatan:
        rows = [row for row in rows if row["code"].startswith(kecamatan + ".")]
    return rows


@dataclass(frozen=True)
class Rankings:
    """Every ranking of one period: each regency's three, and the country's two."""

    by_regency: dict[tuple[str, str], list[dict[str, Any]]]
    national: dict[str, list[dict[str, Any]]]
    national_summary: dict[str, Any]


async def all_rankings(
    uow: MonitoringUnitOfWork,
    regencies: list[str],
    period: str,
    policy: Policy,
    now: datetime,
    national: bool,
) -> Rankings:
    """Rank every served regency's villages, kecamatan and agencies with one pass over the facts.

    With `national`, the villages and kecamatan of all of them are also ranked together.
    """
    start, end = period_bounds(period, now)
    villages = await uow.tallies(regencies, start, end, "village", now)
    kecamatan = by_kecamatan(villages)
    agencies = await uow.agency_tallies(regencies, start, end, now)
    village_regions = await uow.regions_of(regencies, "village")
    kecamatan_regions = await uow.regions_of(regencies, "district")
    by_regency: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for level, regions, tallies in (
        ("village", village_regions, villages),
        ("kecamatan", kecamatan_regions, kecamatan),
    ):
        grouped: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for region in regions:
            grouped[regency_of(region["code"])].append(region)
        for regency in regencies:
            by_regency[(regency, level)] = ranked_rows(grouped[regency], tallies, policy)
    agency_groups: dict[str, dict[str | None, AgencyTally]] = defaultdict(dict)
    for (regency, agency), t in agencies.items():
        agency_groups[regency][agency] = t
    for regency in regencies:
        by_regency[(regency, "agency")] = agency_rows(agency_groups[regency])
    if not national:
        return Rankings(by_regency, {}, {})
    served = set(regencies)
    return Rankings(
        by_regency,
        {
            "village": ranked_rows(village_regions, villages, policy),
            "kecamatan": ranked_rows(kecamatan_regions, kecamatan, policy),
        },
        asdict(
            measure_tally(
                combine([t for code, t in villages.items() if regency_of(code) in served])
            )
        ),
    )


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
    uow: MonitoringUnitOfWork,
    regencies: list[str],
    policy: Policy,
    now: datetime,
    national: bool = False,
) -> int:
    """Recompute the current rankings; store and announce (ranking.updated) those that changed.

    With `national`, also store the country-wide ranking, read a page at a time by
    `/v1/rankings?regency=all` (it is not announced: one record could not carry it).
    """
    published = 0
    for period in (current_month(now), ROLLING):
        computed = await all_rankings(uow, regencies, period, policy, now, national)
        digests = await uow.digests(period)
        for (regency, level), rows in computed.by_regency.items():
            stable = [
                {k: v for k, v in r.items() if k not in {"backlog_median_age_days"}} for r in rows
            ]
            digest = _digest(stable)
            if digests.get((regency, level)) == digest:
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
        for level, rows in computed.national.items():
            await uow.save_national(period, level, computed.national_summary, rows, now)
    return published


async def national_ranking(
    uow: MonitoringUnitOfWork,
    regencies: list[str],
    period: str,
    level: str,
    policy: Policy,
    now: datetime,
    kecamatan: str | None,
    limit: int | None,
    offset: int,
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """A page of the country-wide ranking: as last stored by the job, else computed now."""
    # The job refreshes only the current periods; an older month's stored copy is outdated.
    if period in (current_month(now), ROLLING):
        stored = await uow.national(period, level, kecamatan, limit, offset)
        if stored is not None:
            return stored
    computed = await all_rankings(uow, regencies, period, policy, now, national=True)
    rows = computed.national[level]
    if kecamatan:
        rows = [row for row in rows if row["code"].startswith(kecamatan + ".")]
    page = rows[offset : None if limit is None else offset + limit]
    return {"summary": computed.national_summary, "total": len(rows), "computed_at": now}, page
