"""An entry of a case's history: what a person did on a referral (codes, dates, a note)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID


@dataclass(frozen=True)
class CaseAction:
    """One action on a referral, in the order `case_actions` stores its columns."""

    referral_id: UUID
    complaint_id: UUID
    action: str
    reason_code: str | None
    due_before: datetime | None
    due_after: datetime | None
    account_id: UUID | None
    by_name: str
    at: datetime
    service_code: str | None = None
    to_agency_code: str | None = None
    outcome: str | None = None
    note: str | None = None  # a staff note's text: kept in referral only, never in an event
