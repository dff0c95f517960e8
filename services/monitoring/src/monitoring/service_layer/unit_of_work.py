"""What monitoring's use cases need of a unit of work; `adapters/` implements it on Postgres."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Protocol
from uuid import UUID

from monitoring.domain.archive import StoredMonth
from monitoring.domain.measures import AgencyTally, Tally, VillageMonth
from monitoring.domain.month_summaries import MonthSummary
from monitoring.domain.programmes import Graduation, Proposal, Target
from monitoring.domain.ranking import Place
from monitoring.domain.verdicts import VerdictTally
from slrt_shared.contracts.envelope import CloudEvent


class UnitOfWork(Protocol):
    """One transaction on monitoring's projections, with the events it will announce."""

    def announce(self, event: CloudEvent) -> str:
        """Queue an event for the topic of its type; return the topic's physical name."""

    async def add_complaint(self, row: dict[str, Any]) -> None:
        """Record a complaint fact once, keeping a closing seen before it."""

    async def close_complaint(
        self,
        complaint_id: UUID,
        village_code: str,
        kecamatan_code: str,
        regency_code: str,
        closed_at: datetime,
    ) -> None:
        """Record when a complaint closed, even before its creation is seen."""

    async def upsert_referral(self, referral_id: UUID, complaint_id: UUID, **fields: Any) -> None:
        """Create or update a referral fact with the given columns."""

    async def escalate(self, referral_id: UUID, complaint_id: UUID) -> None:
        """Count an escalation."""

    async def save_agency(
        self, code: str, name_id: str, name_en: str, kind: str, registered_at: datetime
    ) -> None:
        """Add an agency or update its names (by code)."""

    async def agency_names(self) -> dict[str, str]:
        """Each agency's name in Bahasa Indonesia, by code."""

    async def region(self, code: str) -> dict[str, Any] | None:
        """A region (code, name, level, parent_code) by code."""

    async def regions(self, regencies: list[str] | None, level: str) -> list[dict[str, Any]]:
        """Villages or kecamatan ('district') of some regencies (None: all), by code."""

    async def regency_map(self, regency: str) -> dict[str, Any] | None:
        """A regency's map: width, height, and `villages`/`kecamatan` paths by code; or None."""

    async def tallies(
        self,
        regencies: list[str] | None,
        start: datetime | None,
        end: datetime | None,
        level: str,
        now: datetime,
    ) -> dict[str, Tally]:
        """Each village's or kecamatan's tally over complaints received in [start, end)."""

    async def month_summaries(
        self, regencies: list[str] | None, start: datetime, end: datetime
    ) -> dict[str, MonthSummary]:
        """Each village's summary of the whole month [start, end), as the facts say now."""

    async def close_percentiles(
        self, regencies: list[str] | None, start: datetime, end: datetime
    ) -> tuple[float | None, float | None]:
        """Median and 90th percentile of days to close over the month [start, end), unrounded."""

    async def agency_tallies(
        self,
        regencies: list[str] | None,
        start: datetime | None,
        end: datetime | None,
        now: datetime,
    ) -> dict[tuple[str, str | None], AgencyTally]:
        """Each (regency, agency)'s tally over referrals dispatched in [start, end)."""

    async def village_months(
        self,
        regencies: list[str] | None,
        since: date | None,
        until: date | None,
        villages: list[str] | None = None,
    ) -> list[VillageMonth]:
        """The stored village-months of some regencies (None: all), months `since` to `until`."""

    async def refresh_village_months(self) -> set[tuple[str, date]]:
        """Recompute the village-months noted stale (each once, one statement); their keys."""

    async def digests(self, period: str) -> dict[tuple[str, str], str]:
        """Digest of each published ranking of a period, by (regency, level)."""

    async def stored_months(self, regency: str, months: list[str]) -> dict[tuple[str, str], Any]:
        """Of a regency's stored rankings of some months: the flagged village codes, agency rows."""

    async def save_snapshot(
        self,
        regency: str,
        period: str,
        level: str,
        digest: str,
        payload: str,
        computed_at: datetime,
    ) -> int:
        """Store a newly published ranking; return its version."""

    async def save_national(
        self,
        period: str,
        level: str,
        summary: dict[str, Any],
        areas: list[tuple[Place, dict[str, Any]]],
        computed_at: datetime,
        built_changes: int | None = None,
    ) -> None:
        """Replace the stored country-wide ranking of a period and level (rows without rank).

        `built_changes`: the month's change count it was built from (kept as it was if None).
        """

    async def update_national(
        self,
        period: str,
        level: str,
        summary: dict[str, Any],
        changed: list[tuple[Place, dict[str, Any]]],
        removed: list[str],
        total: int,
        computed_at: datetime,
    ) -> None:
        """Rewrite only the given areas' rows of a stored ranking, drop `removed`, save its head."""

    async def drop_national(self, periods: list[str]) -> None:
        """Forget the stored country-wide rankings of some periods."""

    async def national_periods(self) -> list[str]:
        """The periods of which a country-wide ranking is stored."""

    async def note_month_changes(self, periods: list[str]) -> None:
        """Count one more change of each of these months' village-months."""

    async def month_changes(self, periods: list[str]) -> dict[str, int]:
        """How many changes of each of these months' village-months were counted (none: 0)."""

    async def national_builds(self, periods: list[str]) -> dict[str, StoredMonth]:
        """Of these months, those stored country-wide: levels, oldest build, its change count."""

    async def national_encoded(
        self, period: str, level: str
    ) -> tuple[dict[str, Any], list[str]] | None:
        """The whole stored country-wide ranking with each row (and its rank) as JSON text."""

    async def national(
        self, period: str, level: str, prefix: str | None, limit: int | None, offset: int
    ) -> tuple[dict[str, Any], list[dict[str, Any]]] | None:
        """A page of the stored country-wide ranking (rows whose code starts with `prefix`)."""

    async def save_verdict(
        self,
        complaint_id: UUID,
        village_code: str,
        solved: str,
        rating: int,
        revision: int,
        rated_at: datetime,
    ) -> None:
        """Keep a complaint's verdict unless one of a higher or the same revision is kept."""

    async def save_reopening(
        self,
        complaint_id: UUID,
        reopening: int,
        village_code: str,
        reason_code: str,
        reopened_at: datetime,
    ) -> None:
        """Keep a complaint's reopening once by its number."""

    async def village_verdicts(
        self,
        regencies: list[str] | None,
        start: datetime | None,
        end: datetime | None,
        villages: list[str] | None = None,
    ) -> dict[str, VerdictTally]:
        """Each village's verdicts and reopenings of the complaints received in [start, end)."""

    async def agency_verdicts(
        self, regencies: list[str] | None, start: datetime | None, end: datetime | None
    ) -> dict[tuple[str, str | None], VerdictTally]:
        """Each (regency, agency)'s verdicts and reopenings, by referrals sent in [start, end)."""

    async def save_facilitator(
        self, code: str, regency_code: str, village_codes: list[str], active: bool, at: datetime
    ) -> None:
        """Keep a facilitator as its last record says (no name: monitoring never shows one)."""

    async def save_target(
        self, regency_code: str, year: int, district_total: int, per_facilitator: int, at: datetime
    ) -> None:
        """Keep a regency's target of a year as its last record says."""

    async def save_graduation(self, row: dict[str, Any]) -> None:
        """Keep a graduation's decision; a confirmed one is final, a refused one may change."""

    async def add_data_proposal(self, row: dict[str, Any]) -> None:
        """Record a DTSEN data proposal once (a redelivered creation changes nothing)."""

    async def note_rejection(self, referral_id: UUID, complaint_id: UUID, at: datetime) -> None:
        """Keep when a referral was rejected (once)."""

    async def earlier_passes(
        self, complaint_id: UUID, service_code: str, stage_index: int, referral_id: UUID
    ) -> int:
        """How many other referrals of the need were dispatched at this stage before."""

    async def programme_target(self, regency_code: str, year: int) -> Target | None:
        """A regency's target of a year, if one was set."""

    async def active_facilitators(self, regency_code: str) -> list[str]:
        """The codes of a regency's active facilitators."""

    async def confirmed_graduations(
        self, regency_code: str, start: datetime, end: datetime, village: str | None = None
    ) -> list[Graduation]:
        """A regency's (or one village's) graduations confirmed in [start, end)."""

    async def data_proposals(
        self, regency_code: str, start: datetime, end: datetime, village: str | None = None
    ) -> list[Proposal]:
        """A regency's (or one village's) proposals received in [start, end), with their stages."""
