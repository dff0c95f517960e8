"""The secretariat's work on a case: what it may change, decided without I/O."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Final, Literal, get_args

from referral.domain import errors
from referral.domain.errors import Refusal
from referral.domain.referrals import Referral
from referral.domain.routing import SECRETARIAT
from referral.domain.staff import Staff
from slrt_shared.contracts.reasons import EXTENSION_CODES
from slrt_shared.contracts.referral_states import LADDER, TERMINAL, EscalationLevel


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


QueueName = Literal["waiting", "overdue", "escalated"]
QUEUES: Final[tuple[QueueName, ...]] = get_args(QueueName)


@dataclass(frozen=True)
class QueueQuery:
    """Which open referrals a queue holds: each field set narrows it (None: any)."""

    area: str | None  # a region code the case's village lies in; None: every region (admin)
    agency_code: str | None = None
    due_before: datetime | None = None
    escalation_levels: tuple[EscalationLevel, ...] | None = None


def queues_for(reader: Staff) -> tuple[QueueName, ...]:
    """The queues a reader has: kecamatan staff only their kecamatan's escalations."""
    return ("escalated",) if reader.kind == "kecamatan" else QUEUES


def queue_query(name: QueueName, reader: Staff, now: datetime) -> QueueQuery:
    """What a queue holds for this reader: what waits at the secretariat (needs without a rule,
    referrals every agency rejected), what is overdue, what was escalated to the reader's rung."""
    if reader.kind == "admin":
        area = None
    elif reader.kind == "kecamatan":
        area = reader.kecamatan_code or "-"
    else:
        area = reader.regency_code or "-"
    if name == "waiting":
        return QueueQuery(area, agency_code=SECRETARIAT)
    if name == "overdue":
        return QueueQuery(area, due_before=now)
    # Kecamatan staff watch every escalation of their kecamatan (the ladder's first rung and
    # those that went higher); the secretariat watches the kabupaten rung.
    levels: tuple[EscalationLevel, ...] = LADDER if reader.kind == "kecamatan" else ("kabupaten",)
    return QueueQuery(area, escalation_levels=levels)
