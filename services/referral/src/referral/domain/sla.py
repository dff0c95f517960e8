"""The SLA clock: working days (Monday to Friday, minus holidays) in the district's time zone."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

JAKARTA = ZoneInfo("Asia/Jakarta")


def is_working_day(day: date, holidays: frozenset[date]) -> bool:
    """Monday to Friday and not a holiday."""
    return day.weekday() < 5 and day not in holidays


def due_at(
    dispatched_at: datetime,
    working_days: int,
    holidays: frozenset[date],
    tz: ZoneInfo = JAKARTA,
) -> datetime:
    """End of the n-th working day after the local day of dispatch."""
    if dispatched_at.tzinfo is None:
        raise ValueError("dispatched_at must carry a time zone")
    day = dispatched_at.astimezone(tz).date()
    remaining = working_days
    while remaining > 0:
        day += timedelta(days=1)
        if is_working_day(day, holidays):
            remaining -= 1
    return datetime.combine(day, time(23, 59, 59), tzinfo=tz)


def parse_holidays(text: str) -> frozenset[date]:
    """Read ISO dates, one a line; '#' starts a comment."""
    days = set()
    for line in text.splitlines():
        value = line.split("#", 1)[0].strip()
        if value:
            days.add(date.fromisoformat(value))
    return frozenset(days)
