"""The district's holiday calendar: changes by staff (each audited) and the cached calendar."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo

from referral.domain import holidays
from referral.domain.holidays import CompleteYear, Holiday
from referral.domain.sla import Calendar
from referral.service_layer.unit_of_work import CalendarStore


async def add_holiday(store: CalendarStore, entry: Holiday, by: str, via: str) -> None:
    """Add an entry for a date that has none."""
    holidays.check_year(entry.day.year)
    if not await store.insert(entry, by):
        existing = await store.holiday(entry.day)
        raise holidays.exists(existing.holiday if existing else entry)
    await store.audit("holiday", entry.day.isoformat(), "add", None, entry.as_dict(), by, via)


async def correct_holiday(store: CalendarStore, entry: Holiday, by: str, via: str) -> bool:
    """Replace the entry of a date; False when it was the same already."""
    existing = await store.holiday(entry.day, for_update=True)
    if existing is None:
        raise holidays.not_found(entry.day)
    if existing.holiday == entry:
        return False
    await store.update(entry, by)
    before, after = existing.holiday.as_dict(), entry.as_dict()
    await store.audit("holiday", entry.day.isoformat(), "correct", before, after, by, via)
    return True


async def remove_holiday(store: CalendarStore, day: date, by: str, via: str) -> None:
    """Remove the entry of a date."""
    existing = await store.holiday(day, for_update=True)
    if existing is None:
        raise holidays.not_found(day)
    await store.delete(day)
    before = existing.holiday.as_dict()
    await store.audit("holiday", day.isoformat(), "remove", before, None, by, via)


async def complete_year(store: CalendarStore, year: int, decree: str, by: str, via: str) -> None:
    """Mark a year complete with the reference of its decree (a year with entries only)."""
    holidays.check_year(year)
    decree = holidays.check_decree(decree)
    if not await store.holidays(year):
        raise holidays.empty_year(year)
    existing = await store.year(year, for_update=True)
    if existing is not None and existing.decree == decree:
        return
    await store.complete(year, decree, by)
    before = existing.as_dict() if existing else None
    after = CompleteYear(year, decree).as_dict()
    await store.audit("year", str(year), "complete", before, after, by, via)


async def reopen_year(store: CalendarStore, year: int, by: str, via: str) -> None:
    """Mark a complete year not complete (its decree was wrong, or is being replaced)."""
    holidays.check_year(year)
    existing = await store.year(year, for_update=True)
    if existing is None:
        raise holidays.not_complete(year)
    await store.reopen(year)
    await store.audit("year", str(year), "reopen", existing.as_dict(), None, by, via)


@dataclass(frozen=True)
class ImportResult:
    """What an import changed."""

    added: int = 0
    corrected: int = 0
    unchanged: int = 0
    skipped: int = 0
    completed: int = 0


async def import_holidays(
    store: CalendarStore, entries: Iterable[Holiday], by: str, via: str
) -> ImportResult:
    """Add the file's new dates and correct those that differ; the rest stays."""
    added = corrected = unchanged = 0
    for entry in entries:
        if await store.holiday(entry.day) is None:
            await add_holiday(store, entry, by, via)
            added += 1
        elif await correct_holiday(store, entry, by, via):
            corrected += 1
        else:
            unchanged += 1
    return ImportResult(added, corrected, unchanged)


async def load_bundled(
    store: CalendarStore,
    entries: Iterable[Holiday],
    years: Iterable[CompleteYear],
    by: str = "bundled",
) -> ImportResult:
    """Load the shipped list once per date and per year: what the district changed stays."""
    touched_days = await store.touched("holiday")
    added = skipped = completed = 0
    for entry in entries:
        if entry.day.isoformat() in touched_days or await store.holiday(entry.day):
            skipped += 1
            continue
        await add_holiday(store, entry, by, "seed")
        added += 1
    touched_years = await store.touched("year")
    for year in years:
        if str(year.year) in touched_years or await store.year(year.year):
            continue
        if not await store.holidays(year.year):
            continue  # a district file without that year: nothing to call complete
        await complete_year(store, year.year, year.decree, by, "seed")
        completed += 1
    return ImportResult(added=added, skipped=skipped, completed=completed)


class StoredCalendar:
    """The district's stored calendar, cached per process and reloaded once it changed.

    Each use reads the calendar's version in the caller's transaction, so a change committed by
    any replica (or the CLI) is used by every replica from its next transaction on.
    """

    def __init__(self, tz: ZoneInfo, *, cuti_bersama_are_days_off: bool) -> None:
        self.tz = tz
        self.cuti_bersama_are_days_off = cuti_bersama_are_days_off
        self._cached: tuple[int, Calendar] | None = None

    async def current(self, store: CalendarStore) -> Calendar:
        """The calendar as committed now."""
        # The version is read before the entries: a change committed in between is then
        # loaded under the older number and simply loaded again next time.
        version = await store.version()
        if self._cached is not None and self._cached[0] == version:
            return self._cached[1]
        entries = [s.holiday for s in await store.holidays()]
        years = [y.year for y in await store.years()]
        calendar = holidays.calendar_of(
            entries, years, self.tz, cuti_bersama_are_days_off=self.cuti_bersama_are_days_off
        )
        self._cached = (version, calendar)
        return calendar
