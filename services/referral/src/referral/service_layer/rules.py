"""The routing rules' administration: read them, save a new version, override per kecamatan."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from referral.domain import errors
from referral.domain.errors import Refusal
from referral.domain.routing import check_kecamatan, check_rule
from referral.service_layer.unit_of_work import UnitOfWork
from slrt_shared import reference

DISTRICT = ""  # the scope of a district-wide rule


@dataclass(frozen=True)
class SaveRule:
    """A new version of a service's rule: district-wide (scope '') or a kecamatan's override."""

    service_code: str
    scope: str
    agencies: list[str]
    sla_working_days: int
    by: str


@dataclass(frozen=True)
class RemoveOverride:
    """Remove a kecamatan's override of a service's rule."""

    service_code: str
    kecamatan_code: str
    by: str


@dataclass(frozen=True)
class ListRules:
    """Every current rule and override."""


@dataclass(frozen=True)
class RuleHistory:
    """Every version of a service's rules."""

    service_code: str


async def save_rule(command: SaveRule, uow: UnitOfWork) -> dict[str, Any]:
    """Check the rule and save it as the next version; the rule as it now is."""
    if command.scope != DISTRICT:
        check_kecamatan(command.scope, reference.regions())
    if command.service_code not in reference.services():
        raise Refusal(errors.UNKNOWN_SERVICE, service_code=command.service_code)
    check_rule(command.agencies, command.sla_working_days, frozenset(reference.agencies()))
    await uow.save_rule(
        command.service_code,
        command.scope,
        command.agencies,
        command.sla_working_days,
        command.by,
    )
    return next(
        r
        for r in await uow.rules()
        if r["service_code"] == command.service_code and r["scope"] == command.scope
    )


async def remove_override(command: RemoveOverride, uow: UnitOfWork) -> None:
    """Remove a kecamatan's override (its history stays)."""
    if not await uow.remove_override(command.service_code, command.kecamatan_code, command.by):
        raise Refusal(errors.NO_OVERRIDE)


async def list_rules(command: ListRules, uow: UnitOfWork) -> list[dict[str, Any]]:
    """Every current rule, overrides after the district rule of each service."""
    return await uow.rules()


async def rule_history(command: RuleHistory, uow: UnitOfWork) -> list[dict[str, Any]]:
    """Every version of a service's rules, newest first."""
    return await uow.rule_history(command.service_code)
