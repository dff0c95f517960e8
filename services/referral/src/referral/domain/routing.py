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


def agency_for(rule: RoutingRule, attempt: int) -> str:
    """The agency of the n-th attempt (1-based); past the last, the secretariat."""
    if attempt < 1:
        raise ValueError("attempts count from 1")
    if attempt <= len(rule.agencies):
        return rule.agencies[attempt - 1]
    return SECRETARIAT
