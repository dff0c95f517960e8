"""Calendar months (YYYY-MM, UTC) as the audit logs and the rankings count them."""

from __future__ import annotations

import re
from datetime import UTC, datetime

MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


def month_bounds(month: str) -> tuple[datetime, datetime]:
    """[start, end) of a YYYY-MM month in UTC, as the monitoring periods count months."""
    if not MONTH.match(month):
        raise ValueError(f"not a YYYY-MM month: {month!r}")
    start = datetime.strptime(month, "%Y-%m").replace(tzinfo=UTC)
    if start.month == 12:
        return start, start.replace(year=start.year + 1, month=1)
    return start, start.replace(month=start.month + 1)
