"""The secretariat's work on a case: what it may change, decided without I/O."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Final, Literal, cast, get_args

from referral.domain import errors
from referral.domain.errors import Refusal
from referral.domain.referrals import Referral
from referral.domain.routing import SECRETARIAT
from referral.domain.staff import Staff
from slrt_shared.contracts.reasons import EXTENSION_CODES, REROUTE_CODES
from slrt_shared.contracts.referral_states import (
    LADDER,
    OUTCOMES,
    TERMINAL,
    WITHDRAWABLE,
    EscalationLevel,
    Outcome,
)

NOTE_MAX: Final = 1000


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


def check_triage(
    referral: Referral,
    service_code: str,
    agency_code: str,
    service_known: bool,
    known_agencies: frozenset[str],
    case_services: frozenset[str],
) -> None:
    """Refuse triaging a need that is not waiting at the secretariat (open there), to a service
    outside the catalogue or already a need of the case, or to an unknown agency or the
    secretariat itself."""
    if referral.agency_code != SECRETARIAT or referral.status not in WITHDRAWABLE:
        raise Refusal(errors.NOT_WAITING, agency_code=referral.agency_code, status=referral.status)
    if not service_known:
        raise Refusal(errors.TRIAGE_UNKNOWN_SERVICE, service_code=service_code)
    if service_code != referral.service_code and service_code in case_services:
        raise Refusal(errors.NEED_EXISTS, service_code=service_code)
    if agency_code == SECRETARIAT:
        raise Refusal(errors.SAME_AGENCY, agency_code=agency_code)
    if agency_code not in known_agencies:
        raise Refusal(errors.UNKNOWN_AGENCY, agency_code=agency_code)


def check_withdrawal(referral: Referral, reason_code: str | None) -> None:
    """Refuse taking a referral from its agency unless it is open, with a known reason code."""
    if referral.status not in WITHDRAWABLE:
        raise Refusal(errors.REFERRAL_CLOSED, status=referral.status)
    if reason_code not in REROUTE_CODES:
        raise Refusal(errors.UNKNOWN_REROUTE_REASON, codes=", ".join(REROUTE_CODES))


def check_reroute(
    referral: Referral, agency_code: str, reason_code: str, known_agencies: frozenset[str]
) -> None:
    """Refuse re-routing a referral that is not open, without a known reason, to its own
    agency or to an agency outside the registry."""
    check_withdrawal(referral, reason_code)
    if agency_code == referral.agency_code:
        raise Refusal(errors.SAME_AGENCY, agency_code=agency_code)
    if agency_code not in known_agencies:
        raise Refusal(errors.UNKNOWN_AGENCY, agency_code=agency_code)


def holds_itself(referral: Referral) -> bool:
    """Whether the hold keeps this referral (a need waiting at the secretariat) rather than
    taking it from its agency."""
    return referral.agency_code == SECRETARIAT


def check_hold(referral: Referral, reason_code: str | None) -> None:
    """Refuse holding a referral that is not open, one the secretariat already works, or one
    taken from an agency without a known reason code."""
    if referral.status not in WITHDRAWABLE:
        raise Refusal(errors.REFERRAL_CLOSED, status=referral.status)
    if holds_itself(referral):
        if referral.status == "in_progress":
            raise Refusal(errors.ALREADY_HELD)
        return
    check_withdrawal(referral, reason_code)


def check_resolution(referral: Referral, outcome: str) -> Outcome:
    """The outcome the secretariat reports of a referral it holds, or a refusal."""
    if referral.status not in WITHDRAWABLE:
        raise Refusal(errors.REFERRAL_CLOSED, status=referral.status)
    if referral.agency_code != SECRETARIAT:
        raise Refusal(errors.NOT_HELD, agency_code=referral.agency_code)
    if outcome not in OUTCOMES:
        raise Refusal(errors.INVALID_OUTCOME, outcomes=", ".join(sorted(OUTCOMES)))
    return cast(Outcome, outcome)


def check_noter(worker: Staff) -> None:
    """The secretariat, kecamatan staff and the admin note cases; district staff only read."""
    if worker.kind not in ("secretariat", "kecamatan", "admin"):
        raise Refusal(errors.NOTE_NOT_ALLOWED)


def checked_note(text: str) -> str:
    """The note as kept (trimmed), or a refusal when it is empty or longer than 1000."""
    trimmed = text.strip()
    if not trimmed or len(trimmed) > NOTE_MAX:
        raise Refusal(errors.INVALID_NOTE, longest=NOTE_MAX)
    return trimmed


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
