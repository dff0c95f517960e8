"""The district's holiday calendar: changes by staff (each audited) and the cached calendar."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo

from referral.domain import holidays
from referral.domain.holidays import CompleteYear, Holiday
from referral.domain.sla import Calendar
from referral.service_layer.unit_of_work import CalendarStore


@dataclass(frozen=True)
class AddHoliday:
    """Add an entry for a date that has none; `by` who, `via` how (api, cli, seed, import)."""

    entry: Holiday
    by: str
    via: str


@dataclass(frozen=True)
class CorrectHoliday:
    """Replace the entry of a date."""

    entry: Holiday
    by: str
    via: str


@dataclass(frozen=True)
class RemoveHoliday:
    """Remove the entry of a date."""

    day: date
    by: str
    via: str


@dataclass(frozen=True)
class MarkYearComplete:
    """Mark a year complete with the reference of its decree."""

    year: int
    decree: str
    by: str
    via: str


@dataclass(frozen=True)
class ReopenYear:
    """Mark a complete year not complete."""

    year: int
    by: str
    via: str


@dataclass(frozen=True)
class ImportHolidays:
    """Add a file's new dates and correct those that differ."""

    entries: tuple[Holiday, ...]
    by: str
    via: str


@dataclass(frozen=True)
class LoadBundled:
    """Load the shipped list once per date and per year."""

    entries: tuple[Holiday, ...]
    years: tuple[CompleteYear, ...]
    by: str = "bundled"


@dataclass(frozen=True)
class ImportResult:
    """What an import changed."""

    added: int = 0
    corrected: int = 0
    unchanged: int = 0
    skipped: int = 0
    completed: int = 0


async def add_holiday(command: AddHoliday, store: CalendarStore) -> None:
    """Add an entry for a date that has none."""
    entry = command.entry
    holidays.check_year(entry.day.year)
    if not await store.insert(entry, command.by):
        existing = await store.holiday(entry.day)
        raise holidays.exists(existing.holiday if existing else entry)
    await store.audit(
        "holiday", entry.day.isoformat(), "add", None, entry.as_dict(), command.by, command.via
    )


async def correct_holiday(command: CorrectHoliday, store: CalendarStore) -> bool:
    """Replace the entry of a date; False when it was the same already."""
    entry = command.entry
    existing = await store.holiday(entry.day, for_update=True)
    if existing is None:
        raise holidays.not_found(entry.day)
    if existing.holiday == entry:
        return False
    await store.update(entry, command.by)
    before, after = existing.holiday.as_dict(), entry.as_dict()
    await store.audit(
        "holiday", entry.day.isoformat(), "correct", before, after, command.by, command.via
    )
    return True


async def remove_holiday(command: RemoveHoliday, store: CalendarStore) -> None:
    """Remove the entry of a date."""
    day = command.day
    existing = await store.holiday(day, for_update=True)
    if existing is None:
        raise holidays.not_found(day)
    await store.delete(day)
    before = existing.holiday.as_dict()
    await store.audit("holiday", day.isoformat(), "remove", before, None, command.by, command.via)


async def mark_year_complete(command: MarkYearComplete, store: CalendarStore) -> None:
    """Mark a year complete with the reference of its decree (a year with entries only)."""
    year = holidays.check_year(command.year)
    decree = holidays.check_decree(command.decree)
    if not await store.holidays(year):
        raise holidays.empty_year(year)
    existing = await store.year(year, for_update=True)
    if existing is not None and existing.decree == decree:
        return
    await store.complete(year, decree, command.by)
    before = existing.as_dict() if existing else None
    after = CompleteYear(year, decree).as_dict()
    await store.audit("year", str(year), "complete", before, after, command.by, command.via)


async def reopen_year(command: ReopenYear, store: CalendarStore) -> None:
    """Mark a complete year not complete (its decree was wrong, or is being replaced)."""
    year = holidays.check_year(command.year)
    existing = await store.year(year, for_update=True)
    if existing is None:
        raise holidays.not_complete(year)
    await store.reopen(year)
    await store.audit(
        "year", str(year), "reopen", existing.as_dict(), None, command.by, command.via
    )


async def import_holidays(command: ImportHolidays, store: CalendarStore) -> ImportResult:
    """Add the file's new dates and correct those that differ; the rest stays."""
    added = corrected = unchanged = 0
    for entry in command.entries:
        if await store.holiday(entry.day) is None:
            await add_holiday(AddHoliday(entry, command.by, command.via), store)
            added += 1
        elif await correct_holiday(CorrectHoliday(entry, command.by, command.via), store):
            corrected += 1
        else:
            unchanged += 1
    return ImportResult(added, corrected, unchanged)


async def load_bundled(command: LoadBundled, store: CalendarStore) -> ImportResult:
    """Load the shipped list once per date and per year: what the district changed stays."""
    touched_days = await store.touched("holiday")
    added = skipped = completed = 0
    for entry in command.entries:
        if entry.day.isoformat() in touched_days or await store.holiday(entry.day):
            skipped += 1
            continue
        await add_holiday(AddHoliday(entry, command.by, "seed"), store)
        added += 1
    touched_years = await store.touched("year")
    for year in command.years:
        if str(year.year) in touched_years or await store.year(year.year):
            continue
        if not await store.holidays(year.year):
            continue  # a district file without that year: nothing to call complete
        await mark_year_complete(
            MarkYearComplete(year.year, year.decree, command.by, "seed"), store
        )
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
