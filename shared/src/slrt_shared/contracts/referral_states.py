"""A referral's statuses, the changes allowed between them, its outcomes and escalation ladder.

Referral decides the changes an agency reports and the agency gateway refuses the actions that
would break them, so both read this one table; the events carry these same words.
"""

from __future__ import annotations

from typing import Final, Literal, get_args

Status = Literal["dispatched", "acknowledged", "in_progress", "rejected", "resolved", "withdrawn"]
Outcome = Literal["resolved", "partially_resolved", "unresolvable"]
EscalationLevel = Literal["kecamatan", "kabupaten"]

STATUSES: Final[frozenset[str]] = frozenset(get_args(Status))
OUTCOMES: Final[frozenset[str]] = frozenset(get_args(Outcome))
OPEN: Final[frozenset[Status]] = frozenset({"dispatched", "acknowledged", "in_progress"})
TERMINAL: Final[frozenset[Status]] = frozenset({"rejected", "resolved", "withdrawn"})
# The secretariat, not the agency, takes an open referral from its agency (to re-route or hold).
WITHDRAWABLE: Final[frozenset[Status]] = OPEN
# The rungs above the village, lowest first.
LADDER: Final[tuple[EscalationLevel, ...]] = get_args(EscalationLevel)

# The way forward is dispatched -> acknowledged -> in_progress -> resolved; an agency may skip
# steps forward (resolve straight from its inbox) or reject while the referral is open;
# in_progress -> in_progress is a further progress note; nothing leaves a terminal status.
# No agency action leads to `withdrawn`: only the secretariat withdraws (WITHDRAWABLE).
NEXT: Final[dict[Status, frozenset[Status]]] = {
    "dispatched": frozenset({"acknowledged", "in_progress", "resolved", "rejected"}),
    "acknowledged": frozenset({"in_progress", "resolved", "rejected"}),
    "in_progress": frozenset({"in_progress", "resolved", "rejected"}),
    "rejected": frozenset(),
    "resolved": frozenset(),
    "withdrawn": frozenset(),
}


def may_become(current: Status, target: str) -> bool:
    """Whether a referral in `current` may change to `target`."""
    return target in NEXT[current]
