"""Periods of the reports: a calendar month, the last 30 days, or all time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

ROLLING = "rolling-30d"
ALL = "all"


def current_month(now: datetime) -> str:
    """The month of a moment, as YYYY-MM."""
    return now.astimezone(UTC).strftime("%Y-%m")


def is_month(period: str | None) -> bool:
    """Whether a period names one calendar month (YYYY-MM)."""
    return bool(period and period[:2].isdigit() and len(period) == 7)


def period_bounds(period: str | None, now: datetime) -> tuple[datetime | None, datetime | None]:
    """[start, end) of a YYYY-MM month or of the last 30 days; (None, None) for all time."""
    if not period or period == ALL:
        return None, None
    if period == ROLLING:
        return now - timedelta(days=30), None
    start = datetime.strptime(period, "%Y-%m").replace(tzinfo=UTC)
    end = (
        start.replace(year=start.year + 1, month=1)
        if start.month == 12
        else start.replace(month=start.month + 1)
    )
    return start, end


def months_before(period: str, count: int) -> list[str]:
    """The `count` months ending with `period`, oldest first."""
    year, month = map(int, period.split("-"))
    out = []
    for _ in range(count):
        out.append(f"{year:04d}-{month:02d}")
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return out[::-1]


def trend_months(period: str | None, now: datetime, count: int = 6) -> list[str]:
    """The months of a report card's trend: those ending with its month, else the current one."""
    return months_before(period if period and is_month(period) else current_month(now), count)
