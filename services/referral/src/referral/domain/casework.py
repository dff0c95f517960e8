"""The secretariat's work on a case: what it may change, decided without I/O."""

from __future__ import annotations

from datetime import datetime

from referral.domain import errors
from referral.domain.errors import Refusal
from referral.domain.referrals import Referral
from referral.domain.staff import Staff
from slrt_shared.contracts.reasons import EXTENSION_CODES
from slrt_shared.contracts.referral_states import TERMINAL


def check_worker(worker: Staff) -> None:
    """Only a named secretariat person or the admin works cases (others read, or see nothing)."""
    if not worker.works_cases:
        raise Refusal(errors.SECRETARIAT_REQUIRED)


def check_extension(referral: Referral, due_at: datetime, reason_code: str, now: datetime) -> None:
    """Refuse extending a closed referral, to a date not after the current due date or now, or
    without a known reason code."""
    if referral.status in TERMINAL:
        raise Refusal(errors.REFERRAL_CLOSED, status=referral.status)
    if reason_code not in EXTENSION_CODES:
        raise Refusal(errors.UNKNOWN_EXTENSION_REASON, codes=", ".join(EXTENSION_CODES))
    if due_at.tzinfo is None:
        raise Refusal(errors.DUE_WITHOUT_ZONE)
    if due_at <= now:
        raise Refusal(errors.DUE_IN_THE_PAST)
    if due_at <= referral.due_at:
        raise Refusal(errors.DUE_NOT_LATER, due_at=referral.due_at.isoformat())
