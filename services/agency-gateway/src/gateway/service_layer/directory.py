"""The agency registry and the directory: registering agencies, the rules in force, HSDS."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from gateway.domain.directory import Agency, RuleInForce, hsds_directory
from gateway.service_layer.agency_copy import SOURCE
from gateway.service_layer.inbound import Announced
from gateway.service_layer.unit_of_work import AgencyRegistry, GatewayUnit
from slrt_shared import clock
from slrt_shared.contracts.envelope import new_event
from slrt_shared.contracts.events import AgencyRegistered, RoutingRuleChanged


@dataclass(frozen=True)
class RegisterAgencies:
    """Add or update agencies of the registry; each is announced on directory.agencies."""

    agencies: tuple[Agency, ...]
    at: datetime | None = None


@dataclass(frozen=True)
class ReadDirectory:
    """The public directory as it stands."""


async def register_agencies(command: RegisterAgencies, uow: AgencyRegistry) -> None:
    """Save each agency and announce it, so referral and monitoring learn of it."""
    at = command.at or clock.now()
    for agency in command.agencies:
        await uow.save_agency(agency)
        data = AgencyRegistered(
            code=agency.code,
            name_id=agency.name_id,
            name_en=agency.name_en,
            kind=agency.kind,
            registered_at=at,
        )
        uow.announce(new_event(data, source=SOURCE, subject=data.record_key, time=at))


async def on_rule_changed(command: Announced[RoutingRuleChanged], uow: GatewayUnit) -> None:
    """Keep the newest version of a routing rule; an older one read late changes nothing."""
    data = command.data
    await uow.apply_rule(
        RuleInForce(
            service_code=data.service_code,
            scope=data.scope,
            agencies=tuple(data.agencies),
            sla_working_days=data.sla_working_days,
            version=data.version,
            removed=data.removed,
            changed_at=data.at,
        )
    )


async def read_directory(command: ReadDirectory, uow: GatewayUnit) -> dict[str, Any]:
    """The registry's agencies with the services whose rules in force name them (HSDS 3.0)."""
    return hsds_directory(
        await uow.registered_agencies(), await uow.rules_in_force(), await uow.service_names()
    )
