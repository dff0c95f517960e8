"""Which agency receives a need: the rule's order, then the SLRT secretariat."""

from __future__ import annotations

from dataclasses import dataclass

SECRETARIAT = "SLRT"


@dataclass(frozen=True)
class RoutingRule:
    """The agencies that handle a service, in order, and its SLA in working days."""

    service_code: str
    agencies: tuple[str, ...]
    sla_working_days: int
    version: int
    scope: str = ""


class InvalidRuleError(ValueError):
    """A rule an admin may not save."""


def check_rule(agencies: list[str], sla_working_days: int, known_agencies: frozenset[str]) -> None:
    """Refuse an empty, repeating or unknown agency order, or an SLA outside 1-90 working days."""
    if not agencies:
        raise InvalidRuleError("a rule needs at least one agency")
    if len(set(agencies)) != len(agencies):
        raise InvalidRuleError("an agency appears twice in the order")
    unknown = sorted(set(agencies) - known_agencies)
    if unknown:
        raise InvalidRuleError(f"unknown agencies: {', '.join(unknown)}")
    if not 1 <= sla_working_days <= 90:
        raise InvalidRuleError("sla_working_days must be between 1 and 90")


def agency_for(rule: RoutingRule, attempt: int) -> str:
    """The agency of the n-th attempt (1-based); past the last, the secretariat."""
    if attempt < 1:
        raise ValueError("attempts count from 1")
    if attempt <= len(rule.agencies):
        return rule.agencies[attempt - 1]
    return SECRETARIAT
