"""The district's programmes in public: graduations against the targets, DTSEN proposals."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query

from monitoring.adapters.unit_of_work import MonitoringUnitOfWork, UnitOfWorkFactory
from monitoring.domain import programmes as rules
from monitoring.entrypoints import errors
from monitoring.entrypoints.schemas import ProgrammeProgress, Regency
from monitoring.service_layer import programmes
from monitoring.settings import MonitoringSettings

Year = Annotated[int | None, Query(description="The year (default: this year, district time).")]


def router(uow: UnitOfWorkFactory, settings: MonitoringSettings) -> APIRouter:
    """The programmes' public routes."""
    api = APIRouter(tags=["programmes"])

    @api.get(
        "/v1/programmes",
        summary="A district's PKH graduations against its target and its DTSEN data proposals.",
        response_model=ProgrammeProgress,
    )
    async def progress(regency: Regency = None, year: Year = None) -> Any:
        """Counts only, by month (district time), district, kecamatan and village."""
        regency = regency or settings.regency_codes[0]
        if regency not in settings.regency_codes:
            raise errors.UNKNOWN_REGENCY.error()
        year = checked_year(year, settings)
        async with uow() as unit:
            return await district(unit, settings, regency, year)

    return api


def checked_year(year: int | None, settings: MonitoringSettings) -> int:
    """The year asked for (this year by default), refused outside the years served."""
    today = datetime.now(settings.zone()).date()
    year = today.year if year is None else year
    if not rules.year_is_served(year, today):
        raise errors.INVALID_YEAR.error(first=str(rules.FIRST_YEAR), last=str(today.year + 1))
    return year


async def district(
    unit: MonitoringUnitOfWork, settings: MonitoringSettings, regency: str, year: int
) -> dict[str, Any]:
    """A served regency's programme progress of a year, as of today (district time)."""
    zone = settings.zone()
    today = datetime.now(zone).date()
    return await programmes.district_progress(
        programmes.DistrictProgress(regency, year), unit, today=today, zone=zone
    )


async def village(
    unit: MonitoringUnitOfWork, settings: MonitoringSettings, village_code: str
) -> dict[str, Any]:
    """A village's programme counts of this year (district time)."""
    zone = settings.zone()
    return await programmes.village_progress(
        programmes.VillageProgress(village_code, datetime.now(zone).year), unit, zone=zone
    )
