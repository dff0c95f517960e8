"""The HTTP side's parameters: the query values the public API accepts."""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated

from fastapi import Query
from pydantic import BaseModel, Field

NATIONAL = "all"
"""`regency=all`: every served regency together (the country, when all are served)."""

PERIOD = re.compile(r"^(\d{4}-(0[1-9]|1[0-2])|rolling-30d|all)$")

Regency = Annotated[str | None, Query(pattern=r"^\d{2}\.\d{2}$")]
Scope = Annotated[str | None, Query(pattern=r"^(\d{2}\.\d{2}|all)$")]
Limit = Annotated[int | None, Query(ge=1, le=10000, description="Rows per page (default: all).")]
Offset = Annotated[int, Query(ge=0, description="Rows skipped before the page.")]
Kecamatan = Annotated[str | None, Query(pattern=r"^\d{2}\.\d{2}\.\d{2}$")]
PageKecamatan = Annotated[str | None, Query(max_length=8)]


class Graduations(BaseModel):
    """Confirmed graduations of an area in the year, and of each month (none: left out)."""

    confirmed: int
    by_month: dict[str, int] = Field(description="YYYY-MM (district time) -> confirmed.")


class FacilitatorsAtMinimum(BaseModel):
    """How many active facilitators reached the minimum per facilitator (a count, no names)."""

    active: int
    at_minimum: int | None = Field(description="Null while no target is set for the year.")
    minimum: int | None


class DistrictGraduations(Graduations):
    """The district's graduations against its target, with the pace of the year so far."""

    target: int | None = Field(description="The district's total; null while none is set.")
    reached: bool | None
    on_pace: bool | None = Field(
        description="Whether the confirmed so far, carried on at the same rate to the year's"
        " end, reach the target (confirmed / elapsed share of the year)."
    )
    projected: int | None = Field(description="What the year ends with at the pace so far.")
    facilitators: FacilitatorsAtMinimum


class StageDays(BaseModel):
    """Median days of one stage, over the proposals whose stage has ended."""

    index: int
    stage: str
    ended: int = Field(description="Proposals whose stage has ended (the median's sample).")
    median_days: float = Field(
        description="From the stage's first dispatch to its end, time back at the village included."
    )


class ProposalCounts(BaseModel):
    """DTSEN data proposals received in the year, and where they stand."""

    received: int
    waiting: int = Field(description="At an agency (or not yet dispatched).")
    at_village: int = Field(description="Sent back to the village for completion.")
    accepted: int
    rejected: int
    by_kind: dict[str, int] = Field(description="baru, perubahan, penghapusan.")
    removal_reasons: dict[str, int]
    stages: list[StageDays]


class AreaProgress(BaseModel):
    """A kecamatan's or village's programme counts."""

    code: str
    name: str
    graduations: Graduations
    data_proposals: ProposalCounts


class ProgrammeProgress(BaseModel):
    """A district's programmes in a year: counts only, no facilitator named, no household."""

    regency: str
    year: int
    as_of: date
    graduations: DistrictGraduations
    data_proposals: ProposalCounts
    kecamatan: list[AreaProgress]
    villages: list[AreaProgress] = Field(
        description="Villages with a graduation or a proposal in the year."
    )


class VillageProgrammes(BaseModel):
    """A village's graduations and DTSEN proposals of the year (on its report card)."""

    year: int
    graduations: Graduations
    data_proposals: ProposalCounts
