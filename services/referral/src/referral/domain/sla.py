"""The SLA clock: working days in the district's time zone, counted on the district's calendar.

A calendar knows its days off (national holidays, and cuti bersama where the district counts
them) and the years it is complete for: a year is complete once the joint ministerial decree
(SKB 3 Menteri) of that year is loaded. A deadline counted over a year that is not complete may
be too early (a holiday of that year is not known yet), so it says so.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

JAKARTA = ZoneInfo("Asia/Jakarta")
END_OF_DAY = time(23, 59, 59)


def is_working_day(day: date, days_off: frozenset[date]) -> bool:
    """Monday to Friday and not a day off."""
    return day.weekday() < 5 and day not in days_off


def due_at(
    dispatched_at: datetime,
    working_days: int,
    days_off: frozenset[date],
    tz: ZoneInfo = JAKARTA,
) -> datetime:
    """End (23:59:59 local) of the n-th working day after the local day of dispatch.

    The day of dispatch itself never counts, whether it is a working day or not: a referral
    sent on Friday afternoon or on a Sunday with one working day is due on Monday night.
    """
    if dispatched_at.tzinfo is None:
        raise ValueError("dispatched_at must carry a time zone")
    if working_days < 0:
        raise ValueError("working_days cannot be negative")
    day = dispatched_at.astimezone(tz).date()
    remaining = working_days
    while remaining > 0:
        day += timedelta(days=1)
        if is_working_day(day, days_off):
            remaining -= 1
    return datetime.combine(day, END_OF_DAY, tzinfo=tz)


@dataclass(frozen=True)
class Deadline:
    """When an SLA ends, and whether the calendar was complete for every day counted."""

    due_at: datetime
    calendar_complete: bool


@dataclass(frozen=True)
class Calendar:
    """The district's working days: its time zone, its days off, the years it is complete for."""

    days_off: frozenset[date] = field(default_factory=frozenset)
    tz: ZoneInfo = JAKARTA
    complete_years: frozenset[int] = field(default_factory=frozenset)

    def due_at(self, dispatched_at: datetime, working_days: int) -> datetime:
        """The deadline of an SLA in working days starting at a moment."""
        return due_at(dispatched_at, working_days, self.days_off, self.tz)

    def deadline(self, dispatched_at: datetime, working_days: int) -> Deadline:
        """The deadline, marked incomplete when its counting touches a year not complete."""
        due = self.due_at(dispatched_at, working_days)
        first = dispatched_at.astimezone(self.tz).date()
        if working_days > 0:
            first += timedelta(days=1)  # the day of dispatch is not counted
        return Deadline(due, self.covers(first, due.date()))

    def covers(self, first: date, last: date) -> bool:
        """Whether every year from the first day's to the last day's is complete."""
        return all(y in self.complete_years for y in range(first.year, last.year + 1))

    def complete_until(self, today: date) -> date | None:
        """The last day of the run of complete years from today's on.

        When today's year is not complete, the end of last year if that one is (the calendar
        ran out that long ago); None when neither is.
        """
        year = today.year
        if year not in self.complete_years:
            return date(year - 1, 12, 31) if year - 1 in self.complete_years else None
        while year + 1 in self.complete_years:
            year += 1
        return date(year, 12, 31)
