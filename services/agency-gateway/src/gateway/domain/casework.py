"""The secretariat's case work as an agency lives it: a later due date, or its referral taken away.

Referral announces each step on referral.casework. Two of them change what the agency holds:
`due_extended` (the referral is due later) and `withdrawn` (the secretariat took it from the
agency, to re-route or hold it). The others (`triaged`, `held`, `resolved`, `note_added`) are the
secretariat's own work, and actions yet to come are ignored as the contract asks.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Final
from uuid import UUID

from gateway.domain.referrals import Referral
from slrt_shared.contracts.referral_states import WITHDRAWABLE

DUE_EXTENDED = "due_extended"
WITHDRAWN = "withdrawn"
APPLIED: Final[frozenset[str]] = frozenset({DUE_EXTENDED, WITHDRAWN})
# What the agency's copy names as its `change` (and its webhook delivery as its event type):
# the step of the case work, as the type of a dispatch names a dispatch.
CHANGES: Final[dict[str, str]] = {
    DUE_EXTENDED: "id.slrt.referral.due_extended.v1",
    WITHDRAWN: "id.slrt.referral.withdrawn.v1",
}


@dataclass(frozen=True)
class Step:
    """A step of the case work that changes the agency's referral: applied, or kept until the
    referral arrives (read before its dispatch)."""

    event_id: UUID
    referral_id: UUID
    complaint_id: UUID
    action: str
    reason_code: str | None
    due_at: datetime | None
    at: datetime

    @property
    def change(self) -> str:
        """What the agency's copy names as its `change`."""
        return CHANGES[self.action]


def applied(referral: Referral, step: Step) -> Referral | None:
    """The referral after a step; None when the step changes nothing."""
    if step.action == DUE_EXTENDED:
        return extend_due(referral, step.due_at, step.at)
    return withdraw(referral, step.reason_code, step.at)


def concerns_agency(action: str) -> bool:
    """Whether a step of the case work changes the agency's referral (else it is ignored)."""
    return action in APPLIED


def extend_due(referral: Referral, due_at: datetime | None, at: datetime) -> Referral | None:
    """The referral due at `due_at`; None when nothing changes.

    Nothing changes for an extension without a date, one that is not later than the due date
    held (read again, or after a later one), or a referral the agency no longer works on.
    """
    if due_at is None or referral.terminal or due_at <= referral.due_at:
        return None
    return replace(referral, due_at=due_at, updated_at=at)


def withdraw(referral: Referral, reason_code: str | None, at: datetime) -> Referral | None:
    """The referral taken from its agency; None when it is no longer open (read again, or it
    ended at the agency first: the secretariat's step then changes nothing here)."""
    if referral.status not in WITHDRAWABLE:
        return None
    return replace(referral, status="withdrawn", reason_code=reason_code, updated_at=at)
