"""Saving or removing a rule announces it; a rule may name only the agencies announced."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, cast

import pytest

from referral.domain.errors import Refusal
from referral.domain.routing import RegisteredAgency, RoutingRule
from referral.service_layer.rules import (
    KeepAgency,
    RemoveOverride,
    SaveRule,
    keep_agency,
    remove_override,
    save_rule,
)
from referral.service_layer.unit_of_work import UnitOfWork
from slrt_shared.contracts.envelope import CloudEvent
from slrt_shared.contracts.events import AgencyRegistered, RoutingRuleChanged
from slrt_shared.unit_of_work import contract_topic

AT = datetime(2026, 11, 30, 3, 0, tzinfo=UTC)


class Rules:
    """The rules, the agencies and the announced events of one transaction."""

    def __init__(self) -> None:
        self.stored: dict[tuple[str, str], tuple[list[str], int, int]] = {
            ("JKN-PBI", ""): (["DINSOS"], 5, 1)
        }
        self.agencies: dict[str, RegisteredAgency] = {}
        self.events: list[tuple[str, CloudEvent]] = []

    def announce(self, event: CloudEvent) -> str:
        self.events.append((contract_topic(event), event))
        return contract_topic(event)

    async def rule(self, service_code: str, kecamatan_code: str = "") -> RoutingRule | None:
        found = self.stored.get((service_code, kecamatan_code)) or self.stored.get(
            (service_code, "")
        )
        return RoutingRule(service_code, tuple(found[0]), found[1], found[2]) if found else None

    async def rules(self) -> list[dict[str, Any]]:
        return [
            {"service_code": s, "scope": c, "agencies": a, "sla_working_days": d, "version": v}
            for (s, c), (a, d, v) in self.stored.items()
        ]

    async def save_rule(
        self,
        service_code: str,
        scope: str,
        agencies: list[str],
        sla_working_days: int,
        by: str,
        stages: object = (),
    ) -> int:
        version = self.stored.get((service_code, scope), ([], 0, 0))[2] + 1
        self.stored[(service_code, scope)] = (agencies, sla_working_days, version)
        return version

    async def remove_override(self, service_code: str, scope: str, by: str) -> int | None:
        removed = self.stored.pop((service_code, scope), None)
        return removed[2] + 1 if removed else None

    async def agency_codes(self) -> frozenset[str]:
        return frozenset(self.agencies)

    async def save_agency(self, agency: RegisteredAgency) -> None:
        self.agencies[agency.code] = agency


def registered(code: str) -> AgencyRegistered:
    return AgencyRegistered(code=code, name_id=code, name_en=code, kind="opd", registered_at=AT)


async def test_a_rule_names_only_announced_agencies_and_each_change_is_announced() -> None:
    fake = Rules()
    uow = cast(UnitOfWork, fake)
    command = SaveRule("JKN-PBI", "", ["NEWAG", "DINSOS"], 4, "admin", AT)
    await keep_agency(KeepAgency(registered("DINSOS")), uow)
    with pytest.raises(Refusal):
        await save_rule(command, uow)
    assert fake.events == []

    await keep_agency(KeepAgency(registered("NEWAG")), uow)
    await save_rule(command, uow)
    await save_rule(SaveRule("JKN-PBI", "32.15.02", ["DINSOS"], 3, "admin", AT), uow)
    await remove_override(RemoveOverride("JKN-PBI", "32.15.02", "admin", AT), uow)
    assert [(topic, e.subject) for topic, e in fake.events] == [
        ("routing.rules", "JKN-PBI"),
        ("routing.rules", "JKN-PBI/32.15.02"),
        ("routing.rules", "JKN-PBI/32.15.02"),
    ]
    changes = [e.payload_as(RoutingRuleChanged) for _, e in fake.events]
    assert [(c.agencies, c.version, c.removed) for c in changes] == [
        (["NEWAG", "DINSOS"], 2, False),
        (["DINSOS"], 1, False),
        ([], 2, True),
    ]


async def test_removing_an_override_that_is_not_there_announces_nothing() -> None:
    fake = Rules()
    with pytest.raises(Refusal):
        await remove_override(
            RemoveOverride("JKN-PBI", "32.15.09", "admin"), cast(UnitOfWork, fake)
        )
    assert fake.events == []
