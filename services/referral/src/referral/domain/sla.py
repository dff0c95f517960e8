"""The SLA clock: working days (Monday to Friday, minus holidays) in the district's time zone."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

JAKARTA = ZoneInfo("Asia/Jakarta")
END_OF_DAY = time(23, 59, 59)


def is_working_day(day: date, holidays: frozenset[date]) -> bool:
    """Monday to Friday and not a holiday."""
    return day.weekday() < 5 and day not in holidays


def due_at(
    dispatched_at: datetime,
    working_days: int,
    holidays: frozenset[date],
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
        if is_working_day(day, holidays):
            remaining -= 1
    return datetime.combine(day, END_OF_DAY, tzinfo=tz)


def parse_holidays(text: str) -> frozenset[date]:
    """Read ISO dates, one a line; '#' starts a comment."""
    days = set()
    for number, line in enumerate(text.splitlines(), start=1):
        value = line.split("#", 1)[0].strip()
        if not value:
            continue
        try:
            days.add(date.fromisoformat(value))
        except ValueError as exc:
            raise ValueError(f"line {number}: {value!r} is not an ISO date") from exc
    return frozenset(days)


@dataclass(frozen=True)
class WorkingCalendar:
    """The district's working days: its time zone and the holidays it keeps."""

    holidays: frozenset[date] = field(default_factory=frozenset)
    tz: ZoneInfo = JAKARTA

    def due_at(self, dispatched_at: datetime, working_days: int) -> datetime:
        """The deadline of a referral dispatched at a moment with an SLA in working days."""
        return due_at(dispatched_at, working_days, self.holidays, self.tz)
