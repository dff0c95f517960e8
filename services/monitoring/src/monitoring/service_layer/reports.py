"""Read measures, rankings and report cards; publish rankings when they change."""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from monitoring.domain.measures import AgencyTally, by_kecamatan, combine, measure_tally
from monitoring.domain.periods import ROLLING, current_month, period_bounds, trend_months
from monitoring.domain.ranking import Policy, agency_rows, digest, ranked_rows
from monitoring.domain.regions import regency_of, regency_of_village, within
from monitoring.service_layer.unit_of_work import UnitOfWork
from slrt_shared import reference
from slrt_shared.contracts import topics
from slrt_shared.contracts.envelope import new_event
from slrt_shared.contracts.events import RankingRow, RankingUpdated


def _agency_names() -> dict[str, str]:
    return {a.code: a.name_id for a in reference.agencies().values()}


async def regency_measures(
    uow: UnitOfWork, regency: str, period: str | None, now: datetime
) -> dict[str, Any]:
    """The whole regency's measures."""
    start, end = period_bounds(period, now)
    tallies = await uow.tallies([regency], start, end, "village", now)
    return asdict(measure_tally(combine(list(tallies.values()))))


async def agency_measures(
    uow: UnitOfWork, regency: str, period: str | None, now: datetime
) -> list[dict[str, Any]]:
    """Every agency's measures, best SLA compliance first."""
    start, end = period_bounds(period, now)
    tallies = await uow.agency_tallies([regency], start, end, now)
    return agency_rows({agency: t for (_, agency), t in tallies.items()}, _agency_names())


async def ranking(
    uow: UnitOfWork,
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
        rows = ranked_rows(await uow.regions([regency], "village"), tallies, policy)
    else:
        rows = ranked_rows(await uow.regions([regency], "district"), by_kecamatan(tallies), policy)
    return [row for row in rows if within(row["code"], kecamatan)]


@dataclass(frozen=True)
class Rankings:
    """Every ranking of one period: each regency's three, and the country's two."""

    by_regency: dict[tuple[str, str], list[dict[str, Any]]]
    national: dict[str, list[dict[str, Any]]]
    national_summary: dict[str, Any]


async def all_rankings(
    uow: UnitOfWork,
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
    village_regions = await uow.regions(regencies, "village")
    kecamatan_regions = await uow.regions(regencies, "district")
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
    names = _agency_names()
    for regency in regencies:
        by_regency[(regency, "agency")] = agency_rows(agency_groups[regency], names)
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
    uow: UnitOfWork, village: str, period: str | None, policy: Policy, now: datetime
) -> dict[str, Any]:
    """A Puskesos's measures for a period, its place, and six months of trend."""
    regency = regency_of_village(village)
    rows = {r["code"]: r for r in await ranking(uow, regency, period, "village", policy, now)}
    trend = []
    for month in trend_months(period, now):
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


async def publish_changed(
    uow: UnitOfWork,
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
            fingerprint = digest(rows)
            if digests.get((regency, level)) == fingerprint:
                continue
            payload = json.dumps(rows, default=str)
            await uow.save_snapshot(regency, period, level, fingerprint, payload, now)
            event = RankingUpdated(
                regency_code=regency,
                period=period,
                level=level,
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
    uow: UnitOfWork,
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
    rows = [row for row in computed.national[level] if within(row["code"], kecamatan)]
    page = rows[offset : None if limit is None else offset + limit]
    return {"summary": computed.national_summary, "total": len(rows), "computed_at": now}, page
