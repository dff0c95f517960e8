"""Which agency receives a need: the rule's order, then the SLRT secretariat."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime

from referral.domain import errors
from referral.domain.errors import Refusal
from referral.domain.stages import Stage
from slrt_shared import regions

SECRETARIAT = "SLRT"
# A need without a rule still reaches a person: the secretariat, on the catalogue's SLA for
# "other complaints" (LAINNYA).
SECRETARIAT_SLA_WORKING_DAYS = 7


@dataclass(frozen=True)
class RoutingRule:
    """The agencies that handle a service, in order, and its SLA in working days."""

    service_code: str
    agencies: tuple[str, ...]
    sla_working_days: int
    version: int
    scope: str = ""
    # Ordered steps, each a referral of its own; none: the agencies above route the need.
    stages: tuple[Stage, ...] = ()


@dataclass(frozen=True)
class RegisteredAgency:
    """An agency a rule may name: one of agency-gateway's registry, as it announced it."""

    code: str
    name_id: str
    name_en: str
    kind: str
    registered_at: datetime


class InvalidRuleError(Refusal, ValueError):
    """A rule an admin may not save."""


def check_rule(agencies: list[str], sla_working_days: int, known_agencies: frozenset[str]) -> None:
    """Refuse an empty, repeating or unknown agency order, or an SLA outside 1-90 working days."""
    if not agencies:
        raise InvalidRuleError(errors.RULE_WITHOUT_AGENCY)
    if len(set(agencies)) != len(agencies):
        raise InvalidRuleError(errors.RULE_REPEATS_AGENCY)
    unknown = sorted(set(agencies) - known_agencies)
    if unknown:
        raise InvalidRuleError(errors.RULE_UNKNOWN_AGENCIES, agencies=", ".join(unknown))
    if not 1 <= sla_working_days <= 90:
        raise InvalidRuleError(errors.RULE_SLA_OUT_OF_RANGE)


def check_kecamatan(kecamatan_code: str, known_regions: Collection[str]) -> None:
    """Refuse an override's scope that is no kecamatan code (PP.KK.CC) of the known regions."""
    if not regions.is_valid(kecamatan_code, "district") or kecamatan_code not in known_regions:
        raise Refusal(errors.UNKNOWN_KECAMATAN, kecamatan_code=kecamatan_code)


def secretariat_rule(service_code: str) -> RoutingRule:
    """The rule of a need the routing table does not know (version 0: no stored rule)."""
    return RoutingRule(service_code, (SECRETARIAT,), SECRETARIAT_SLA_WORKING_DAYS, 0)


def agency_for(rule: RoutingRule, refused_by: Iterable[str] = ()) -> str:
    """The first agency of the rule's order that has not refused the need; then the secretariat.

    Counting refusals rather than attempts keeps a need away from an agency that already
    refused it when the rule's order changes between attempts. The secretariat is the last
    resort: when it refuses too, the need stays with it.
    """
    return agency_among(rule.agencies, refused_by)


def agency_among(agencies: Iterable[str], refused_by: Iterable[str] = ()) -> str:
    """The first of these agencies that has not refused the need; then the secretariat."""
    refused = set(refused_by)
    for agency in agencies:
        if agency not in refused:
            return agency
    return SECRETARIAT
