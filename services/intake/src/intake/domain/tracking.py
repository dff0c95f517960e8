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


def status(entries: list[TimelineEntry]) -> str:
    """Derive the public status from the timeline."""
    kinds = {e.kind for e in entries}
    if "closed" in kinds:
        return "closed"
    if kinds & {"acknowledged", "in_progress", "resolved", "escalated"}:
        return "in_progress"
    if "referred" in kinds:
        return "referred"
    return "received"


def expected_at(entries: list[TimelineEntry]) -> datetime | None:
    """When the last open referral is due (None once closed or before any referral)."""
    if status(entries) == "closed":
        return None
    dues = [e.due_at for e in entries if e.kind == "referred" and e.due_at is not None]
    return max(dues) if dues else None
