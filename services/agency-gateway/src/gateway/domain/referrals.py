"""The agency's side of a referral: allowed actions and the personal data it may see."""

from __future__ import annotations

from dataclasses import dataclass

ACTIONS = {  # action -> status it leads to
    "acknowledge": "acknowledged",
    "progress": "in_progress",
    "reject": "rejected",
    "resolve": "resolved",
}
_FROM = {
    "acknowledged": {"dispatched"},
    "in_progress": {"dispatched", "acknowledged", "in_progress"},
    "rejected": {"dispatched", "acknowledged", "in_progress"},
    "resolved": {"dispatched", "acknowledged", "in_progress"},
}
OUTCOMES = frozenset({"resolved", "partially_resolved", "unresolvable"})

# What each pii_level of the catalogue discloses to the agency.
DISCLOSED = {
    "basic": ("name", "phone", "address"),
    "sensitive": ("nik", "name", "phone", "address"),
    "special": ("nik", "name", "phone", "address", "description"),
}


@dataclass(frozen=True)
class Refusal:
    """Why an action is not allowed now."""

    code: str
    message: str


def check_action(status: str, action: str) -> Refusal | None:
    """Whether an action may be taken on a referral in a status (None when it may)."""
    target = ACTIONS.get(action)
    if target is None:
        return Refusal("unknown_action", f"Unknown action {action!r}.")
    if status not in _FROM[target]:
        return Refusal("invalid_transition", f"A referral that is {status} cannot be {target}.")
    return None


def disclosed_fields(pii_level: str) -> tuple[str, ...]:
    """The resident fields an agency sees for a service's pii_level (least when unknown)."""
    return DISCLOSED.get(pii_level, DISCLOSED["basic"])
