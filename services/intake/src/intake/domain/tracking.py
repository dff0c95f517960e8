"""The resident's view of a complaint: a status and a timeline, never any personal data."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

KINDS = (
    "received",
    "referred",
    "acknowledged",
    "in_progress",
    "rejected",
    "escalated",
    "resolved",
    "closed",
    # The Puskesos completed a need a stage had sent back to the village.
    "completed",
)


@dataclass(frozen=True)
class TimelineEntry:
    """One step of a complaint's journey."""

    at: datetime
    kind: str
    agency_code: str | None = None
    outcome: str | None = None
    level: str | None = None
    due_at: datetime | None = None
    # Of a staged need's referral (referred; rejected with its reason code; completed).
    stage: str | None = None
    stage_index: int | None = None
    stages_total: int | None = None
    reason_code: str | None = None
    # Which referral and need the entry is about (kept for the send-back; not shown publicly).
    referral_id: str | None = None
    service_code: str | None = None


# The public statuses, each further along than the one before: a complaint only moves on.
STATUSES = ("received", "referred", "in_progress", "closed")
_TAKEN_UP = frozenset({"acknowledged", "in_progress", "resolved", "escalated"})


def reached(kind: str) -> str:
    """The status a timeline entry of this kind brings a complaint to, at least."""
    if kind == "closed":
        return "closed"
    if kind in _TAKEN_UP:
        return "in_progress"
    if kind == "referred":
        return "referred"
    return "received"


def status(entries: list[TimelineEntry]) -> str:
    """Derive the public status from the timeline: the furthest any of its entries reached."""
    return max((reached(e.kind) for e in entries), key=STATUSES.index, default="received")


def expected_at(entries: list[TimelineEntry]) -> datetime | None:
    """When the last open referral is due (None once closed or before any referral)."""
    if status(entries) == "closed":
        return None
    dues = [e.due_at for e in entries if e.kind == "referred" and e.due_at is not None]
    return max(dues) if dues else None
