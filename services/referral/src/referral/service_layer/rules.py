"""The routing rules' administration: read them, save a new version, override per kecamatan."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from referral.domain import errors
from referral.domain.errors import Refusal
from referral.domain.routing import RegisteredAgency, check_kecamatan, check_rule
from referral.domain.stages import Stage, check_stages
from referral.service_layer.unit_of_work import UnitOfWork
from slrt_shared import clock, reference
from slrt_shared.contracts.envelope import CloudEvent, new_event
from slrt_shared.contracts.events import AgencyRegistered, RoutingRuleChanged, RoutingStage

SOURCE = "/slrt/referral"

DISTRICT = ""  # the scope of a district-wide rule


@dataclass(frozen=True)
class SaveRule:
    """A new version of a service's rule: district-wide (scope '') or a kecamatan's override."""

    service_code: str
    scope: str
    agencies: list[str]
    sla_working_days: int
    by: str
    at: datetime | None = None
    # Ordered steps, each its own referral; none: a single-step rule routed by `agencies`.
    stages: tuple[Stage, ...] = ()


@dataclass(frozen=True)
class RemoveOverride:
    """Remove a kecamatan's override of a service's rule."""

    service_code: str
    kecamatan_code: str
    by: str
    at: datetime | None = None


@dataclass(frozen=True)
class KeepAgency:
    """An agency announced on directory.agencies: from now on a rule may name it."""

    agency: AgencyRegistered


def rule_changed(
    service_code: str,
    scope: str,
    agencies: list[str],
    sla_working_days: int | None,
    version: int,
    at: datetime,
    *,
    removed: bool = False,
    stages: tuple[Stage, ...] = (),
) -> CloudEvent:
    """The routing.rules event of a rule's new version (or of an override's removal)."""
    data = RoutingRuleChanged(
        service_code=service_code,
        scope=scope,
        agencies=agencies,
        sla_working_days=sla_working_days,
        version=version,
        removed=removed,
        stages=[RoutingStage.model_validate(stage.as_dict()) for stage in stages],
        at=at,
    )
    return new_event(data, source=SOURCE, subject=data.record_key, time=at)


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
    # A service is known by its district rule, which the seed loads for each of the catalogue's.
    if await uow.rule(command.service_code) is None:
        raise Refusal(errors.UNKNOWN_SERVICE, service_code=command.service_code)
    known = await uow.agency_codes()
    check_rule(command.agencies, command.sla_working_days, known)
    check_stages(command.stages, known)
    version = await uow.save_rule(
        command.service_code,
        command.scope,
        command.agencies,
        command.sla_working_days,
        command.by,
        command.stages,
    )
    uow.announce(
        rule_changed(
            command.service_code,
            command.scope,
            command.agencies,
            command.sla_working_days,
            version,
            command.at or clock.now(),
            stages=command.stages,
        )
    )
    return next(
        r
        for r in await uow.rules()
        if r["service_code"] == command.service_code and r["scope"] == command.scope
    )


async def remove_override(command: RemoveOverride, uow: UnitOfWork) -> None:
    """Remove a kecamatan's override (its history stays) and announce its removal."""
    version = await uow.remove_override(command.service_code, command.kecamatan_code, command.by)
    if version is None:
        raise Refusal(errors.NO_OVERRIDE)
    at = command.at or clock.now()
    uow.announce(
        rule_changed(
            command.service_code, command.kecamatan_code, [], None, version, at, removed=True
        )
    )


async def keep_agency(command: KeepAgency, uow: UnitOfWork) -> None:
    """Keep an announced agency (by code: a later announcement updates it)."""
    data = command.agency
    await uow.save_agency(
        RegisteredAgency(data.code, data.name_id, data.name_en, data.kind, data.registered_at)
    )


async def list_rules(command: ListRules, uow: UnitOfWork) -> list[dict[str, Any]]:
    """Every current rule, overrides after the district rule of each service."""
    return await uow.rules()


async def rule_history(command: RuleHistory, uow: UnitOfWork) -> list[dict[str, Any]]:
    """Every version of a service's rules, newest first."""
    return await uow.rule_history(command.service_code)
