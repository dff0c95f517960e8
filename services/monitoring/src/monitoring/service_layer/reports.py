"""Read measures, rankings and report cards."""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from monitoring.domain.archive import archived_months
from monitoring.domain.measures import (
    AgencyTally,
    by_kecamatan,
    combine,
    measure_tally,
    microseconds,
)
from monitoring.domain.month_summaries import measure_summaries, measure_village
from monitoring.domain.periods import (
    ALL,
    ROLLING,
    current_month,
    is_month,
    months_before,
    period_bounds,
    trend_months,
)
from monitoring.domain.ranking import Policy, agency_rows, measured_rows, ranked_rows
from monitoring.domain.regions import regency_of, regency_of_village, within
from monitoring.service_layer.unit_of_work import UnitOfWork
from monitoring.service_layer.verdict_reports import (
    agency_rows_said,
    area_verdicts,
    village_verdicts,
    with_agency_verdicts,
)


@dataclass(frozen=True)
class Ranking:
    """The ranking of a regency's villages, kecamatan or agencies (of one kecamatan, if named)."""

    regency: str
    period: str | None
    level: str
    kecamatan: str | None = None


@dataclass(frozen=True)
class RegencyMeasures:
    """The measures of a whole regency over a period."""

    regency: str
    period: str | None


@dataclass(frozen=True)
class ReportCard:
    """A Puskesos's report card for a period (all time when None)."""

    village: str
    period: str | None


@dataclass(frozen=True)
class NationalRanking:
    """A page of the country-wide ranking of the served regencies' villages or kecamatan."""

    regencies: list[str]
    period: str
    level: str
    kecamatan: str | None
    limit: int | None
    offset: int
    # Months stored country-wide, the current one included (`MONITORING_NATIONAL_MONTHS`).
    months: int = 2


async def regency_measures(
    query: RegencyMeasures, uow: UnitOfWork, *, now: datetime
) -> dict[str, Any]:
    """The whole regency's measures."""
    start, end = period_bounds(query.period, now)
    tallies = await uow.tallies([query.regency], start, end, "village", now)
    return asdict(measure_tally(combine(list(tallies.values()))))


async def ranking(
    query: Ranking, uow: UnitOfWork, *, policy: Policy, now: datetime
) -> list[dict[str, Any]]:
    """Rows of the ranking of villages, kecamatan or agencies."""
    start, end = period_bounds(query.period, now)
    if query.level == "agency":
        agencies = await uow.agency_tallies([query.regency], start, end, now)
        rows = agency_rows(
            {agency: t for (_, agency), t in agencies.items()}, await uow.agency_names()
        )
        return await with_agency_verdicts(rows, uow, query.regency, start, end)
    tallies = await uow.tallies([query.regency], start, end, "village", now)
    verdicts = await area_verdicts(uow, [query.regency], start, end, query.level, policy)
    if query.level == "village":
        regions = await uow.regions([query.regency], "village")
        rows = ranked_rows(regions, tallies, policy, verdicts)
    else:
        kecamatan = await uow.regions([query.regency], "district")
        rows = ranked_rows(kecamatan, by_kecamatan(tallies), policy, verdicts)
    return [row for row in rows if within(row["code"], query.kecamatan)]


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
    verdicts = {
        level: await area_verdicts(uow, regencies, start, end, level, policy)
        for level in ("village", "kecamatan")
    }
    for level, regions, tallies in (
        ("village", village_regions, villages),
        ("kecamatan", kecamatan_regions, kecamatan),
    ):
        grouped: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for region in regions:
            grouped[regency_of(region["code"])].append(region)
        for regency in regencies:
            by_regency[(regency, level)] = ranked_rows(
                grouped[regency], tallies, policy, verdicts[level]
            )
    agency_groups: dict[str, dict[str | None, AgencyTally]] = defaultdict(dict)
    for (regency, agency), t in agencies.items():
        agency_groups[regency][agency] = t
    names = await uow.agency_names()
    said = await uow.agency_verdicts(regencies, start, end)
    for regency in regencies:
        rows = agency_rows(agency_groups[regency], names)
        by_regency[(regency, "agency")] = agency_rows_said(rows, regency, said)
    if not national:
        return Rankings(by_regency, {}, {})
    served = set(regencies)
    return Rankings(
        by_regency,
        {
            "village": ranked_rows(village_regions, villages, policy, verdicts["village"]),
            "kecamatan": ranked_rows(kecamatan_regions, kecamatan, policy, verdicts["kecamatan"]),
        },
        asdict(
            measure_tally(
                combine([t for code, t in villages.items() if regency_of(code) in served])
            )
        ),
    )


async def report_card(
    query: ReportCard, uow: UnitOfWork, *, policy: Policy, now: datetime
) -> dict[str, Any]:
    """A Puskesos's measures for a period, its place, and six months of trend."""
    regency = regency_of_village(query.village)

    async def row_of(period: str | None) -> dict[str, Any]:
        rows = await ranking(Ranking(regency, period, "village"), uow, policy=policy, now=now)
        return {r["code"]: r for r in rows}[query.village]

    card = await row_of(query.period)
    trend = []
    for month in trend_months(query.period, now):
        row = await row_of(month)
        said = await village_verdicts(uow, query.village, regency, month, now)
        trend.append(
            {
                "period": month,
                "received": row["received"],
                "closed": row["closed"],
                "score": row["score"],
                "mean_rating": said["mean_rating"],
                "reopen_rate": said["reopen_rate"],
            }
        )
    verdicts = await village_verdicts(uow, query.village, regency, query.period, now)
    return {**card, "period": query.period or ALL, "verdicts": verdicts, "trend": trend}


def stored_periods(now: datetime, months: int = 2) -> tuple[str, ...]:
    """The periods whose country-wide ranking is kept stored: the month, the month just closed
    and the last 30 days (followed by the ranking job), then the older months of the `months`
    kept, newest first (built whole by the archive job); an older one is computed on request.
    """
    month = current_month(now)
    return (month, months_before(month, 2)[0], ROLLING, *archived_months(month, months))


async def national_ranking(
    query: NationalRanking, uow: UnitOfWork, *, policy: Policy, now: datetime
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """A page of the country-wide ranking: as last stored by the job, else computed now."""
    if query.period in stored_periods(now, query.months):
        stored = await uow.national(
            query.period, query.level, query.kecamatan, query.limit, query.offset
        )
        if stored is not None:
            return stored
    head, rows = await computed_national(uow, query, policy, now)
    end = None if query.limit is None else query.offset + query.limit
    return head, rows[query.offset : end]


async def computed_national(
    uow: UnitOfWork, query: NationalRanking, policy: Policy, now: datetime
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The whole country-wide ranking of a level, computed now from the village-months."""
    start, end = period_bounds(query.period, now)
    if query.level == "village" and is_month(query.period) and start and end:
        return await _national_month_of_villages(uow, query, policy, now, start, end)
    villages = await uow.tallies(query.regencies, start, end, "village", now)
    verdicts = await area_verdicts(uow, query.regencies, start, end, query.level, policy)
    if query.level == "village":
        regions = await uow.regions(query.regencies, "village")
        rows = ranked_rows(regions, villages, policy, verdicts)
    else:
        regions = await uow.regions(query.regencies, "district")
        rows = ranked_rows(regions, by_kecamatan(villages), policy, verdicts)
    served = set(query.regencies)
    summary = asdict(
        measure_tally(combine([t for code, t in villages.items() if regency_of(code) in served]))
    )
    rows = [row for row in rows if within(row["code"], query.kecamatan)]
    return {"summary": summary, "total": len(rows), "computed_at": now}, rows


async def _national_month_of_villages(
    uow: UnitOfWork,
    query: NationalRanking,
    policy: Policy,
    now: datetime,
    start: datetime,
    end: datetime,
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """`computed_national` of villages over a whole month, from the village-months' summaries:
    the same rows as from their tallies, without their elements."""
    summaries = await uow.month_summaries(query.regencies, start, end)
    verdicts = await area_verdicts(uow, query.regencies, start, end, "village", policy)
    regions = await uow.regions(query.regencies, "village")
    now_us = microseconds(now)
    measures = {code: measure_village(s, now_us) for code, s in summaries.items()}
    rows = measured_rows(regions, measures, policy, verdicts=verdicts)
    served = set(query.regencies)
    country = [s for code, s in summaries.items() if regency_of(code) in served]
    close_days = await uow.close_percentiles(query.regencies, start, end)
    summary = asdict(measure_summaries(country, now_us, close_days))
    rows = [row for row in rows if within(row["code"], query.kecamatan)]
    return {"summary": summary, "total": len(rows), "computed_at": now}, rows


async def encoded_national(
    query: NationalRanking, uow: UnitOfWork, *, policy: Policy, now: datetime
) -> tuple[dict[str, Any], list[str]]:
    """The whole country-wide ranking (no page, no kecamatan) with each row as JSON text.

    The stored one as stored, so that 83,000 rows are not decoded and encoded again.
    """
    if query.period in stored_periods(now, query.months):
        stored = await uow.national_encoded(query.period, query.level)
        if stored is not None:
            return stored
    head, rows = await computed_national(uow, query, policy, now)
    return head, [json.dumps(row, default=str) for row in rows]
