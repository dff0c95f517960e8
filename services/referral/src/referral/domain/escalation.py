"""The escalation ladder: village, then kecamatan at the first breach, kabupaten at the second."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from slrt_shared.contracts.referral_states import LADDER, OPEN
from slrt_shared.contracts.referral_states import EscalationLevel as Level


@dataclass(frozen=True)
class Escalation:
    """The next rung for an overdue referral, and when it breaches again (None: top reached)."""

    level: Level
    next_breach_at: datetime | None


def next_level(current: str | None) -> Level | None:
    """The rung above the current one; None at the top."""
    if current is None:
        return LADDER[0]
    index = LADDER.index(current)
    return LADDER[index + 1] if index + 1 < len(LADDER) else None


def escalate(
    current: str | None,
    status: str,
    next_breach_at: datetime | None,
    now: datetime,
    following_deadline: datetime,
) -> Escalation | None:
    """Decide whether an open referral is escalated now, and to what."""
    if status not in OPEN or next_breach_at is None or now <= next_breach_at:
        return None
    level = next_level(current)
    if level is None:
        return None
    return Escalation(level, following_deadline if next_level(level) else None)
