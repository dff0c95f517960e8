"""The residents' verdicts in the reports: beside an agency's measures and a Puskesos's card,
and in the ranking's score when its policy weighs them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from monitoring.domain.periods import period_bounds
from monitoring.domain.ranking import Policy
from monitoring.domain.verdicts import (
    NO_VERDICTS,
    VerdictTally,
    verdict_fields,
    verdicts_by_kecamatan,
)
from monitoring.service_layer.unit_of_work import UnitOfWork


async def area_verdicts(
    uow: UnitOfWork,
    regencies: list[str] | None,
    start: datetime | None,
    end: datetime | None,
    level: str,
    policy: Policy,
) -> dict[str, VerdictTally] | None:
    """Each village's or kecamatan's verdicts for the ranking's score; None when not weighed."""
    if not policy.weights.weighs_verdicts:
        return None
    villages = await uow.village_verdicts(regencies, start, end)
    return villages if level == "village" else verdicts_by_kecamatan(villages)


async def with_agency_verdicts(
    rows: list[dict[str, Any]],
    uow: UnitOfWork,
    regency: str,
    start: datetime | None,
    end: datetime | None,
) -> list[dict[str, Any]]:
    """Agency rows with each agency's `verdicts` (of complaints it had a referral of)."""
    return agency_rows_said(rows, regency, await uow.agency_verdicts([regency], start, end))


def agency_rows_said(
    rows: list[dict[str, Any]], regency: str, found: dict[tuple[str, str | None], VerdictTally]
) -> list[dict[str, Any]]:
    """A regency's agency rows with each agency's `verdicts` from `found` (by regency, agency)."""
    return [
        {**row, "verdicts": verdict_fields(found.get((regency, row["code"]), NO_VERDICTS))}
        for row in rows
    ]


async def village_verdicts(
    uow: UnitOfWork, village: str, regency: str, period: str | None, now: datetime
) -> dict[str, Any]:
    """A Puskesos's `verdicts` over the complaints received in a period (all time for None)."""
    start, end = period_bounds(period, now)
    found = await uow.village_verdicts([regency], start, end, [village])
    return verdict_fields(found.get(village, NO_VERDICTS))
