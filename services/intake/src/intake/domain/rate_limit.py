"""Requests per operator token in fixed one-minute windows."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

WINDOW = timedelta(minutes=1)


@dataclass(frozen=True)
class RateLimit:
    """At most `per_minute` requests by one token in each clock minute; 0 means no limit."""

    per_minute: int

    @property
    def enabled(self) -> bool:
        """Whether requests are counted at all."""
        return self.per_minute > 0

    def window(self, now: datetime) -> datetime:
        """Start of the window `now` falls in."""
        return now.replace(second=0, microsecond=0)

    def allows(self, requests_in_window: int) -> bool:
        """Whether the request that brought the window to this count may go on."""
        return not self.enabled or requests_in_window <= self.per_minute

    def retry_after(self, now: datetime) -> int:
        """Whole seconds until the next window opens (at least 1)."""
        left = (self.window(now) + WINDOW - now).total_seconds()
        return max(1, math.ceil(left))
