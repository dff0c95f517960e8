"""The referral state machine and the rule for closing a case."""

from __future__ import annotations

from dataclasses import dataclass

TERMINAL = frozenset({"rejected", "resolved"})
_ALLOWED = {
    "dispatched": {"acknowledged", "in_progress", "rejected", "resolved"},
    "acknowledged": {"in_progress", "rejected", "resolved"},
    "in_progress": {"rejected", "resolved", "in_progress"},
}


@dataclass(frozen=True)
class Transition:
    """The answer to a requested status change: accepted, or refused with a reason."""

    accepted: bool
    reason: str = ""


def transition(current: str, requested: str) -> Transition:
    """Decide a status change deterministically; never raises."""
    if current == requested and current not in TERMINAL and current != "in_progress":
        return Transition(False, f"already {current}")
    if current in TERMINAL:
        return Transition(False, f"referral is {current}; no further change")
    if requested in _ALLOWED.get(current, set()):
        return Transition(True)
    return Transition(False, f"cannot go from {current} to {requested}")


@dataclass(frozen=True)
class ReferralState:
    """What closing needs to know of a referral."""

    service_code: str
    attempt: int
    status: str
    outcome: str | None


def case_complete(referrals: list[ReferralState]) -> bool:
    """A case is complete when the latest attempt of every need has an outcome."""
    latest: dict[str, ReferralState] = {}
    for r in referrals:
        if r.service_code not in latest or r.attempt > latest[r.service_code].attempt:
            latest[r.service_code] = r
    return bool(latest) and all(r.outcome is not None for r in latest.values())
