"""Cases and referrals: the referral state machine and the rule for closing a case."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Literal
from uuid import UUID

from slrt_shared import regions
from slrt_shared.contracts.events import ReopenScope
from slrt_shared.contracts.referral_states import (
    STATUSES,
    TERMINAL,
    Outcome,
    Status,
    may_become,
)

CaseStatus = Literal["open", "closed"]


@dataclass(frozen=True)
class Case:
    """A complaint as referral tracks it: open until every need has an outcome."""

    complaint_id: UUID
    ticket: str
    village_code: str
    status: CaseStatus
    opened_at: datetime
    closed_at: datetime | None = None
    reopenings: int = 0  # the number of the last reopening it was sent back for (0: none)

    @property
    def kecamatan_code(self) -> str:
        """The kecamatan of the case's village (`32.15.02` of `32.15.02.2001`)."""
        try:
            return regions.kecamatan_of(self.village_code)
        except regions.InvalidRegionCodeError:
            # The events' contract admits codes the shared parser refuses (a `00` segment);
            # such a case is still routed by its leading segments, as before.
            return self.village_code.rsplit(".", 1)[0]


@dataclass(frozen=True)
class Referral:
    """One need of a case sent to one agency; a rejection is followed by a new attempt."""

    id: UUID
    complaint_id: UUID
    service_code: str
    agency_code: str
    attempt: int
    status: Status
    rule_version: int
    rule_scope: str
    sla_working_days: int
    dispatched_at: datetime
    due_at: datetime
    bounces: int = 0
    outcome: Outcome | None = None
    reason_code: str | None = None  # of a rejection; the agency's free text never comes here
    resolved_at: datetime | None = None
    escalation_level: str | None = None
    escalated_at: datetime | None = None
    next_breach_at: datetime | None = None
    # False when the SLA was counted over a year whose holiday calendar is not complete.
    calendar_complete: bool = True
    # Of a staged rule's need: the stage's code, its place (1 first) and how many there are.
    stage: str | None = None
    stage_index: int | None = None
    stages_total: int | None = None
    # Set when the secretariat triaged this need on as another service (the need lives there).
    moved_to_service: str | None = None


@dataclass(frozen=True)
class Transition:
    """The answer to a requested status change: accepted, or refused with a reason."""

    from_status: Status
    to_status: str
    accepted: bool
    reason: str = ""


@dataclass(frozen=True)
class Asked:
    """A status change asked of a referral by an event, as the transition log keeps it."""

    event_id: UUID
    decision: Transition
    at: datetime


def transition(current: Status, requested: str) -> Transition:
    """Decide a status change deterministically; never raises."""
    if current in TERMINAL:
        return Transition(current, requested, False, f"referral is {current}; no further change")
    if requested not in STATUSES:
        return Transition(current, requested, False, f"unknown status {requested!r}")
    if may_become(current, requested):
        return Transition(current, requested, True)
    if requested == current:
        return Transition(current, requested, False, f"already {current}")
    return Transition(current, requested, False, f"cannot go from {current} to {requested}")


def decide(referral: Referral, requested: str, agency_code: str, complaint_id: UUID) -> Transition:
    """Decide a change reported by an agency: only the referral's own agency may make it."""
    if agency_code != referral.agency_code:
        return Transition(
            referral.status,
            requested,
            False,
            f"{agency_code} does not hold this referral ({referral.agency_code} does)",
        )
    if complaint_id != referral.complaint_id:
        return Transition(
            referral.status, requested, False, f"referral is not of complaint {complaint_id}"
        )
    return transition(referral.status, requested)


def current_referrals(referrals: Iterable[Referral]) -> dict[str, Referral]:
    """The latest attempt of each need; earlier (rejected, withdrawn) attempts are superseded,
    and a need triaged on as another service lives on under that service's code only."""
    latest: dict[str, Referral] = {}
    for r in referrals:
        if r.service_code not in latest or r.attempt > latest[r.service_code].attempt:
            latest[r.service_code] = r
    return {
        code: r
        for code, r in latest.items()
        if r.moved_to_service is None or r.moved_to_service == code
    }


def case_complete(referrals: Iterable[Referral]) -> bool:
    """A case is complete when the current referral of every need has an outcome."""
    latest = current_referrals(referrals)
    return bool(latest) and all(r.outcome is not None for r in latest.values())


@dataclass(frozen=True)
class NeedOutcome:
    """What became of one need: the agency that answered it last, and its outcome."""

    referral_id: UUID
    service_code: str
    agency_code: str
    outcome: Outcome
    resolved_at: datetime


@dataclass(frozen=True)
class CaseClosed:
    """A case whose every need has an outcome: when it closed, and the outcome of each need."""

    complaint_id: UUID
    closed_at: datetime
    outcomes: tuple[NeedOutcome, ...]


def closing(case: Case, referrals: Iterable[Referral]) -> CaseClosed | None:
    """Close an open case whose current referrals all have an outcome; None otherwise."""
    if case.status == "closed":
        return None
    outcomes: list[NeedOutcome] = []
    for service_code, r in sorted(current_referrals(referrals).items()):
        if r.outcome is None or r.resolved_at is None:
            return None
        outcomes.append(NeedOutcome(r.id, service_code, r.agency_code, r.outcome, r.resolved_at))
    if not outcomes:
        return None
    # The case closed when its last outcome arrived, whatever order the outcomes came in.
    closed_at = max(o.resolved_at for o in outcomes)
    return CaseClosed(case.complaint_id, closed_at, tuple(outcomes))


def reopenable(case: Case, reopening: int) -> bool:
    """Whether a reopening is new for a case: the case is closed and has not had it yet.

    Intake allows a reopening only once the case closed again after the one before, so a
    reopening of an open case, or one already seen under another event id, changes nothing.
    """
    return case.status == "closed" and reopening > case.reopenings


def to_reopen(referrals: Iterable[Referral], scope: ReopenScope) -> list[Referral]:
    """The referrals a reopening sends back to their agency, by need: the latest attempt of
    each need whose outcome was not `resolved` (scope `unresolved`), or of every need (`all`)."""
    latest = current_referrals(referrals)
    return [r for _, r in sorted(latest.items()) if scope == "all" or r.outcome != "resolved"]
