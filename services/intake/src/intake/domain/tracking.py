"""The resident's view of a complaint: a status and a timeline, never any personal data."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Final

KINDS = (
    "received",
    "referred",
    "acknowledged",
    "in_progress",
    "rejected",
    "escalated",
    "resolved",
    "closed",
    "reopened",
    # The SLRT secretariat's steps: a referral withdrawn from its agency (to be re-routed or
    # worked by the secretariat), a due date moved later.
    "withdrawn",
    "due_extended",
    # The Puskesos completed a need a stage had sent back to the village.
    "completed",
)
# How the secretariat's steps read on the public timeline (Bahasa Indonesia, English).
LABELS: Final[dict[str, tuple[str, str]]] = {
    "withdrawn": ("dialihkan oleh sekretariat", "re-routed by the secretariat"),
    "due_extended": ("tenggat diperpanjang", "due date extended"),
}


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
    # Of a rejection (the agency's) or a reopening (the reopener's): a code, never words.
    reason_code: str | None = None
    # Which referral and need the entry is about (kept for the send-back; not shown publicly).
    referral_id: str | None = None
    service_code: str | None = None


# The public statuses, each further along than the one before: a complaint only moves on.
STATUSES = ("received", "referred", "in_progress", "closed")
_TAKEN_UP = frozenset({"acknowledged", "in_progress", "resolved", "escalated"})


def label(kind: str, language: str) -> str | None:
    """How a step of the secretariat reads on the public timeline (None for other steps)."""
    texts = LABELS.get(kind)
    if texts is None:
        return None
    return texts[0] if language == "id" else texts[1]


def reached(kind: str) -> str:
    """The status a timeline entry of this kind brings a complaint to, at least."""
    if kind == "closed":
        return "closed"
    if kind in _TAKEN_UP:
        return "in_progress"
    if kind in ("referred", "reopened"):
        return "referred"
    return "received"


def since_reopened(entries: list[TimelineEntry]) -> list[TimelineEntry]:
    """The entries from the latest reopening on (all of them if never reopened): a reopened
    complaint is referred again and closes again, whatever its first round reached."""
    last = max((i for i, e in enumerate(entries) if e.kind == "reopened"), default=0)
    return entries[last:]


def status(entries: list[TimelineEntry]) -> str:
    """Derive the public status from the timeline: the furthest any entry since the latest
    reopening reached."""
    return max(
        (reached(e.kind) for e in since_reopened(entries)), key=STATUSES.index, default="received"
    )


def expected_at(entries: list[TimelineEntry]) -> datetime | None:
    """When the last open referral is due (None once closed or before any referral)."""
    if status(entries) == "closed":
        return None
    current = since_reopened(entries)
    dues = [
        e.due_at for e in current if e.kind in ("referred", "due_extended") and e.due_at is not None
    ]
    return max(dues) if dues else None
