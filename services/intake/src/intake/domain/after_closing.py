"""What a resident (or the village's operator) may say once a complaint is closed.

Reopening: allowed while the complaint is closed and its reopening window lasts (until the
`reopen_until` referral counted on the district's calendar and sent with complaint.closed);
it sends back the needs whose outcome was not `resolved` (scope `unresolved`, the default) or
every need (`all`), so a reopening whose scope holds none is refused. The verdict: allowed while
the complaint is closed; a later verdict replaces an earlier one (the last answer wins).
Each refusal is a code of the catalogue (`domain.errors`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

from slrt_shared.contracts import reasons

MAX_NOTE: Final = 500
SCOPES: Final = ("unresolved", "all")
SOLVED: Final = ("yes", "partly", "no")
RATINGS: Final = range(1, 6)


@dataclass(frozen=True)
class Closure:
    """Where a complaint stands after its latest closing, as intake keeps it."""

    status: str
    closed_at: datetime | None
    reopen_until: datetime | None
    reopenings: int
    outcomes: Sequence[str] | None  # each need's outcome at the latest closing; None: unknown


def reopen_deadline(closure: Closure, days_without_calendar: int) -> datetime | None:
    """Until when a closed complaint may be reopened: referral's `reopen_until`, or, for a
    closing announced before the field, `days_without_calendar` days after closing."""
    if closure.reopen_until is not None:
        return closure.reopen_until
    if closure.closed_at is None:
        return None
    return closure.closed_at + timedelta(days=days_without_calendar)


def reopen_input_refusal(reason_code: str, scope: str, note: str | None) -> str | None:
    """What is wrong with a reopening's request itself, whatever the complaint; None: fine."""
    if not reasons.is_reopen_code(reason_code):
        return "unknown_reopen_reason"
    if scope not in SCOPES:
        return "unknown_reopen_scope"
    if note is not None and len(note) > MAX_NOTE:
        return "note_too_long"
    return None


def not_closed_refusal(closure: Closure) -> str | None:
    """Why a complaint is not closed now: reopened and not closed again, or never closed."""
    if closure.status == "closed":
        return None
    return "already_reopened" if closure.reopenings > 0 else "complaint_not_closed"


def reopen_refusal(
    closure: Closure, scope: str, now: datetime, days_without_calendar: int
) -> str | None:
    """Why a closed complaint may not be reopened now with this scope; None: it may."""
    refusal = not_closed_refusal(closure)
    if refusal is not None:
        return refusal
    deadline = reopen_deadline(closure, days_without_calendar)
    if deadline is None or now > deadline:
        return "reopen_window_passed"
    known = closure.outcomes
    if scope == "unresolved" and known is not None and all(o == "resolved" for o in known):
        return "nothing_to_reopen"
    return None


def verdict_refusal(closure: Closure) -> str | None:
    """Why a complaint may not be rated now: it is not closed (never, or not again yet)."""
    return None if closure.status == "closed" else "complaint_not_closed"


def verdict_input_refusal(solved: str, rating: int, comment: str | None) -> str | None:
    """What is wrong with a verdict itself, whatever the complaint; None: fine."""
    if solved not in SOLVED:
        return "unknown_solved"
    if rating not in RATINGS:
        return "rating_out_of_range"
    if comment is not None and len(comment) > MAX_NOTE:
        return "comment_too_long"
    return None
