"""The agency's side of a referral: the actions it may take and what each one leads to."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Final, Literal, cast
from uuid import UUID

from gateway.domain.errors import texts
from slrt_shared.contracts.reasons import FALLBACK, REASON_CODES
from slrt_shared.contracts.referral_states import (
    LADDER,
    NEXT,
    OUTCOMES,
    TERMINAL,
    EscalationLevel,
    Outcome,
    Status,
    may_become,
)

Action = Literal["acknowledge", "progress", "reject", "resolve"]

LEADS_TO: Final[dict[Action, Status]] = {
    "acknowledge": "acknowledged",
    "progress": "in_progress",
    "reject": "rejected",
    "resolve": "resolved",
}


class ActionRefusedError(Exception):
    """An action the referral's rules do not allow; `code` is machine-readable."""

    code = "action_refused"

    def __init__(self, **values: str) -> None:
        """The refusal with its texts from the catalogue, the code's named values filled in."""
        self.message_id, self.message = texts(self.code, **values)
        super().__init__(self.message)


class InvalidTransitionError(ActionRefusedError):
    """The referral's status does not allow the action."""

    code = "invalid_transition"


class ReferralWithdrawnError(InvalidTransitionError):
    """The secretariat took the referral from the agency: no action of the agency applies."""

    code = "referral_withdrawn"


class ReasonRequiredError(ActionRefusedError):
    """A rejection without a reason."""

    code = "reason_required"


class UnknownReasonCodeError(ActionRefusedError):
    """A rejection with a reason code that is not on the list."""

    code = "unknown_reason_code"


class InvalidOutcomeError(ActionRefusedError):
    """A resolution without one of the known outcomes."""

    code = "invalid_outcome"


@dataclass(frozen=True)
class Referral:
    """One need of a complaint, sent to one agency, as the gateway keeps it."""

    id: UUID
    complaint_id: UUID
    ticket: str
    village_code: str
    service_code: str
    agency_code: str
    attempt: int
    status: Status
    dispatched_at: datetime
    due_at: datetime
    updated_at: datetime
    escalation_level: EscalationLevel | None = None
    outcome: Outcome | None = None
    note: str | None = None  # the agency's own text: kept here, never put on an event
    reason_code: str | None = None
    seq: int = 0
    xid: int = 0  # the inserting transaction: with seq, its place in the agency's list

    @property
    def terminal(self) -> bool:
        """Nothing more can happen to it at the agency."""
        return self.status in TERMINAL


@dataclass(frozen=True)
class AgencyAction:
    """What an agency asks to do to one of its referrals."""

    action: Action
    note: str | None = None
    outcome: str | None = None
    reason_code: str | None = None


@dataclass(frozen=True)
class Change:
    """What an agency's action makes of a referral, whatever its status was: checked on its own.

    `allowed_from` are the statuses the action may be taken in, so that storage can change the
    referral only if it still stands in one of them (one guarded statement, no read before).
    """

    status: Status
    outcome: Outcome | None
    note: str | None
    reason_code: str | None
    allowed_from: frozenset[Status]


def intend(request: AgencyAction) -> Change:
    """The change an action asks for; raises ActionRefusedError for a reason or outcome missing."""
    note = request.note.strip() if request.note and request.note.strip() else None
    reason_code: str | None = None
    if request.action == "reject":
        reason_code = reason_of(request.reason_code, note)
    outcome: Outcome | None = None
    if request.action == "resolve":
        outcome = _outcome(request.outcome)
    target = LEADS_TO[request.action]
    return Change(target, outcome, note, reason_code, allowed_from(target))


def allowed_from(target: Status) -> frozenset[Status]:
    """The statuses a referral may change to `target` from (the shared state machine's)."""
    return frozenset(s for s in NEXT if may_become(s, target))


def refusal(status: Status, change: Change) -> InvalidTransitionError:
    """Why a referral in `status` could not take the change (it stood in none it allows)."""
    if status == "withdrawn":
        return ReferralWithdrawnError()
    return InvalidTransitionError(status=status, target=change.status)


def changed(referral: Referral, change: Change, at: datetime) -> Referral:
    """The referral once the change is made (raises InvalidTransitionError if not allowed)."""
    if referral.status not in change.allowed_from:
        raise refusal(referral.status, change)
    return replace(
        referral,
        status=change.status,
        outcome=change.outcome,
        note=change.note,
        reason_code=change.reason_code,
        updated_at=at,
    )


def apply(referral: Referral, request: AgencyAction, at: datetime) -> Referral:
    """The referral after the agency's action; raises ActionRefusedError when not allowed."""
    return changed(referral, intend(request), at)


def reason_of(code: str | None, note: str | None) -> str:
    """The reason code of a rejection: the one given, or FALLBACK for free text alone.

    Raises ReasonRequiredError when neither is given, UnknownReasonCodeError for a code that
    is not on the list.
    """
    if code is None:
        if note is None:
            raise ReasonRequiredError()
        return FALLBACK
    if code not in REASON_CODES:
        raise UnknownReasonCodeError(known=", ".join(REASON_CODES))
    return code


def higher_level(current: EscalationLevel | None, level: EscalationLevel) -> EscalationLevel:
    """The higher of two rungs of the ladder (escalations may be read in any order)."""
    if current is not None and LADDER.index(current) >= LADDER.index(level):
        return current
    return level


def escalate(referral: Referral, level: EscalationLevel, at: datetime) -> Referral | None:
    """The referral after its SLA was breached and it went up the ladder; None if already there.

    A referral never goes down: an escalation read after a higher one changes nothing.
    """
    if higher_level(referral.escalation_level, level) == referral.escalation_level:
        return None
    return replace(referral, escalation_level=level, updated_at=at)


@dataclass(frozen=True)
class Escalation:
    """A referral's escalation as read: applied at once, or kept until the referral arrives."""

    referral_id: UUID
    complaint_id: UUID
    level: EscalationLevel
    at: datetime
    change: str


def keep_early(kept: Escalation | None, arriving: Escalation) -> Escalation | None:
    """What to keep of an escalation that arrived early; None when the kept one is as high."""
    if kept is not None and higher_level(kept.level, arriving.level) == kept.level:
        return None
    return arriving


def _outcome(value: str | None) -> Outcome:
    if value in OUTCOMES:
        return cast(Outcome, value)
    raise InvalidOutcomeError(known=", ".join(sorted(OUTCOMES)))
