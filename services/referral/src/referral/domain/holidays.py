"""The holiday calendar the district keeps: its entries, their rules, files, and its status.

Entries are national holidays (hari libur nasional) and cuti bersama, each with its name in
Bahasa Indonesia and its source. A year is complete once its joint ministerial decree (SKB
Menteri Agama, Menteri Ketenagakerjaan dan Menteri PANRB) is loaded; the completion records the
decree's reference.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal, get_args
from zoneinfo import ZoneInfo

from referral.domain import errors
from referral.domain.errors import Refusal
from referral.domain.sla import Calendar

HolidayKind = Literal["holiday", "cuti_bersama"]
AuditedEntity = Literal["holiday", "year"]
AuditAction = Literal["add", "correct", "remove", "complete", "reopen"]
KINDS: tuple[str, ...] = get_args(HolidayKind)
FIRST_YEAR, LAST_YEAR = 2000, 2100
MAX_NAME, MAX_SOURCE, MAX_DECREE = 200, 500, 500
WARN_DAYS = 90
CSV_HEADER = ("date", "kind", "name", "source")
_ISO_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")


class CalendarError(Refusal, ValueError):
    """A change the calendar refuses: a code of the catalogue, in English and Indonesian."""


@dataclass(frozen=True)
class AuditEntry:
    """One change to the calendar: what, before and after, who, how and when."""

    id: int
    entity: AuditedEntity
    subject: str
    action: AuditAction
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    by: str
    via: str
    at: datetime


@dataclass(frozen=True)
class Holiday:
    """One day off: a national holiday or a cuti bersama."""

    day: date
    kind: HolidayKind
    name: str
    source: str

    def as_dict(self) -> dict[str, str]:
        """The entry as the audit log keeps it."""
        return {
            "date": self.day.isoformat(),
            "kind": self.kind,
            "name": self.name,
            "source": self.source,
        }


@dataclass(frozen=True)
class StoredHoliday:
    """An entry of the stored calendar with who added it and who last corrected it."""

    holiday: Holiday
    added_by: str
    added_at: datetime
    updated_by: str | None = None
    updated_at: datetime | None = None


@dataclass(frozen=True)
class CompleteYear:
    """A year whose decree is loaded: its reference, who marked it and when."""

    year: int
    decree: str
    completed_by: str = ""
    completed_at: datetime | None = None

    def as_dict(self) -> dict[str, str | int]:
        """The completion as the audit log keeps it."""
        return {"year": self.year, "decree": self.decree}


def parse_date(text: str) -> date:
    """A calendar date written YYYY-MM-DD, between the years 2000 and 2100."""
    day = None
    if _ISO_DATE.match(text.strip()):
        try:
            day = date.fromisoformat(text.strip())
        except ValueError:
            day = None
    if day is None:
        shown = repr(text[:40])
        raise CalendarError(errors.INVALID_DATE, shown=shown)
    check_year(day.year)
    return day


def check_year(year: int) -> int:
    """Refuse a year outside 2000-2100."""
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise CalendarError(errors.INVALID_YEAR, first=FIRST_YEAR, last=LAST_YEAR)
    return year


def holiday(day: str | date, kind: str, name: str, source: str) -> Holiday:
    """Check an entry as given by staff or a file and build it."""
    if isinstance(day, date):
        parsed = day
        check_year(day.year)
    else:
        parsed = parse_date(day)
    if kind not in KINDS:
        raise CalendarError(errors.INVALID_KIND, kinds=", ".join(KINDS), kind=repr(kind))
    name = _text(name)
    if not 1 <= len(name) <= MAX_NAME:
        raise CalendarError(errors.INVALID_NAME, longest=MAX_NAME)
    source = _text(source)
    if not 1 <= len(source) <= MAX_SOURCE:
        raise CalendarError(errors.INVALID_SOURCE, longest=MAX_SOURCE)
    return Holiday(parsed, kind, name, source)  # type: ignore[arg-type]


def _text(value: str) -> str:
    """Spaces collapsed; '' (refused by the caller) when it holds a control character."""
    value = " ".join(value.split())
    if any(unicodedata.category(ch) in ("Cc", "Cs") for ch in value):
        return ""
    return value


def check_decree(decree: str) -> str:
    """The reference of a year's decree, e.g. 'SKB Nomor 1497 Tahun 2025, ...'."""
    decree = _text(decree)
    if not 3 <= len(decree) <= MAX_DECREE:
        raise CalendarError(errors.DECREE_REQUIRED, longest=MAX_DECREE)
    return decree


def exists(entry: Holiday) -> CalendarError:
    """The refusal of an entry for a date that is already in the calendar."""
    return CalendarError(errors.HOLIDAY_EXISTS, day=entry.day.isoformat(), name=entry.name)


def not_found(day: date) -> CalendarError:
    """The refusal of a change to a date that is not in the calendar."""
    return CalendarError(errors.HOLIDAY_NOT_FOUND, day=day.isoformat())


def empty_year(year: int) -> CalendarError:
    """The refusal to mark complete a year with no entry."""
    return CalendarError(errors.YEAR_EMPTY, year=year)


def not_complete(year: int) -> CalendarError:
    """The refusal to reopen a year that is not complete."""
    return CalendarError(errors.YEAR_NOT_COMPLETE, year=year)


@dataclass(frozen=True)
class YearSummary:
    """A year the calendar knows: its completion (None: not complete) and its entries' count."""

    year: int
    completion: CompleteYear | None
    holidays: int
    cuti_bersama: int


def year_summaries(
    entries: Iterable[StoredHoliday], complete: Iterable[CompleteYear]
) -> list[YearSummary]:
    """Every year with an entry or a completion, in order, with its counts by kind."""
    counts = Counter((e.holiday.day.year, e.holiday.kind) for e in entries)
    completions = {c.year: c for c in complete}
    years = sorted({y for y, _ in counts} | set(completions))
    return [
        YearSummary(y, completions.get(y), counts[(y, "holiday")], counts[(y, "cuti_bersama")])
        for y in years
    ]


def days_off(entries: Iterable[Holiday], cuti_bersama_are_days_off: bool) -> frozenset[date]:
    """The days no SLA counts: holidays, and cuti bersama where the district counts them."""
    return frozenset(e.day for e in entries if e.kind == "holiday" or cuti_bersama_are_days_off)


def calendar_of(
    entries: Iterable[Holiday],
    complete_years: Iterable[int],
    tz: ZoneInfo,
    *,
    cuti_bersama_are_days_off: bool,
) -> Calendar:
    """The working-day calendar of the stored entries."""
    return Calendar(days_off(entries, cuti_bersama_are_days_off), tz, frozenset(complete_years))


def _invalid_line(number: int, error: CalendarError | str) -> CalendarError:
    en = error.message if isinstance(error, CalendarError) else error
    id_ = error.message_id if isinstance(error, CalendarError) else error
    return CalendarError(errors.INVALID_LINE, number=number, reason_en=en, reason_id=id_)


def parse_holiday_file(text: str, default_source: str) -> list[Holiday]:
    """Read a holiday file: CSV with the header `date,kind,name,source`, '#' lines comments.

    The older format (one ISO date a line, its name after '#') is read too, as national
    holidays with the default source.
    """
    lines = [(n, line) for n, line in enumerate(text.splitlines(), start=1)]
    content = [(n, line) for n, line in lines if line.strip() and not line.lstrip().startswith("#")]
    if content and content[0][1].strip().lower().startswith("date,"):
        entries = _parse_csv(content, default_source)
    else:
        entries = _parse_dates(content, default_source)
    seen: dict[date, int] = {}
    for number, entry in entries:
        if entry.day in seen:
            raise _invalid_line(number, f"{entry.day} already on line {seen[entry.day]}")
        seen[entry.day] = number
    return [entry for _, entry in entries]


def _parse_csv(content: list[tuple[int, str]], default_source: str) -> list[tuple[int, Holiday]]:
    (header_line, header), *rows = content
    columns = tuple(c.strip().lower() for c in next(csv.reader([header])))
    if columns[:3] != CSV_HEADER[:3] or not set(columns) <= set(CSV_HEADER):
        raise _invalid_line(header_line, f"the header must be {','.join(CSV_HEADER)}")
    entries = []
    for number, line in rows:
        values = next(csv.reader(io.StringIO(line)))
        if len(values) != len(columns):
            raise _invalid_line(number, f"expected {len(columns)} columns, got {len(values)}")
        row = dict(zip(columns, (v.strip() for v in values), strict=True))
        try:
            entry = holiday(
                row["date"], row["kind"], row["name"], row.get("source") or default_source
            )
        except CalendarError as exc:
            raise _invalid_line(number, exc) from exc
        entries.append((number, entry))
    return entries


def _parse_dates(content: list[tuple[int, str]], default_source: str) -> list[tuple[int, Holiday]]:
    entries = []
    for number, line in content:
        value, _, comment = line.partition("#")
        try:
            entry = holiday(value, "holiday", comment.strip() or "Hari libur", default_source)
        except CalendarError as exc:
            raise _invalid_line(number, exc) from exc
        entries.append((number, entry))
    return entries


def parse_decree_file(text: str) -> list[CompleteYear]:
    """Read the complete years: CSV with the header `year,decree`, '#' lines comments."""
    content = [
        (n, line)
        for n, line in enumerate(text.splitlines(), start=1)
        if line.strip() and not line.lstrip().startswith("#")
    ]
    if not content:
        return []
    (header_line, header), *rows = content
    if tuple(c.strip().lower() for c in next(csv.reader([header]))) != ("year", "decree"):
        raise _invalid_line(header_line, "the header must be year,decree")
    years = []
    for number, line in rows:
        values = next(csv.reader(io.StringIO(line)))
        try:
            if len(values) != 2 or not values[0].strip().isdigit():
                raise CalendarError(errors.BAD_DECREE_ROW)
            years.append(CompleteYear(check_year(int(values[0])), check_decree(values[1])))
        except CalendarError as exc:
            raise _invalid_line(number, exc) from exc
    return years


@dataclass(frozen=True)
class CalendarStatus:
    """How far ahead the calendar is complete, seen on a given day."""

    today: date
    complete_until: date | None
    warn_days: int = WARN_DAYS

    @property
    def days_left(self) -> int | None:
        """Days from today to the last complete day (negative once past); None without one."""
        return None if self.complete_until is None else (self.complete_until - self.today).days

    @property
    def needs_attention(self) -> bool:
        """Fewer than `warn_days` days remain before the complete calendar ends."""
        left = self.days_left
        return left is None or left < self.warn_days

    def warning(self, language: str) -> str | None:
        """What district staff must do, in 'id' or 'en'; None while enough is complete."""
        if not self.needs_attention:
            return None
        if self.complete_until is None:
            year = self.today.year
            if language == "id":
                return (
                    f"Kalender SLA tahun {year} belum lengkap: muat SKB 3 Menteri tahun {year},"
                    " lalu tandai tahun itu lengkap. Tenggat yang dihitung sekarang bisa terlalu"
                    " cepat."
                )
            return (
                f"The SLA calendar of {year} is not complete: load the SKB 3 Menteri of {year}"
                " and mark the year complete. Deadlines counted now may be too early."
            )
        until, left, year = self.complete_until, self.days_left or 0, self.complete_until.year + 1
        if language == "id":
            when = f"{left} hari lagi" if left >= 0 else f"sudah lewat {-left} hari"
            return (
                f"Kalender SLA lengkap hanya sampai {until:%d-%m-%Y} ({when}): muat SKB 3 Menteri"
                f" tahun {year}, lalu tandai tahun itu lengkap."
            )
        when = f"{left} days left" if left >= 0 else f"{-left} days ago"
        return (
            f"The SLA calendar is complete only until {until.isoformat()} ({when}): load the"
            f" SKB 3 Menteri of {year} and mark the year complete."
        )


def status(calendar: Calendar, today: date, warn_days: int = WARN_DAYS) -> CalendarStatus:
    """The calendar's status on a day."""
    return CalendarStatus(today, calendar.complete_until(today), warn_days)
