"""A yearly target's pace: confirmed so far, carried on at its rate to the year's end.

One rule for intake (the staff's progress per facilitator) and monitoring (the public
progress of a district), so that both say "on pace" of the same figures.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


def elapsed_share(year: int, today: date) -> float:
    """The share of `year` gone by the end of `today` (0 before it starts, 1 after it ends)."""
    start, end = date(year, 1, 1), date(year + 1, 1, 1)
    if today < start:
        return 0.0
    if today >= end:
        return 1.0
    return ((today - start).days + 1) / (end - start).days


@dataclass(frozen=True)
class Pace:
    """Confirmed graduations against a target, and whether the pace so far reaches it."""

    confirmed: int
    target: int
    reached: bool
    on_pace: bool
    projected: int  # what the year ends with at the pace so far


def pace(confirmed: int, target: int, year: int, today: date) -> Pace:
    """Whether `confirmed` so far, carried on at its pace to the year's end, reaches `target`."""
    share = elapsed_share(year, today)
    projected = confirmed if share >= 1 else round(confirmed / share) if share > 0 else 0
    reached = confirmed >= target
    return Pace(confirmed, target, reached, reached or projected >= target, projected)
