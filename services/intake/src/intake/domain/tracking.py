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
