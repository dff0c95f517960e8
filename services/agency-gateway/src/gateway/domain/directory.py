"""The public directory (Open Referral HSDS 3.0): agencies and the rules in force that name them."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

NAMESPACE = uuid.UUID("5f0c3d52-8a4e-4c1b-9a61-2b7c0e4d9a10")
DISTRICT = ""  # the scope of a district-wide rule


@dataclass(frozen=True)
class Agency:
    """An agency of the registry."""

    code: str
    name_id: str
    name_en: str
    kind: str


@dataclass(frozen=True)
class RuleInForce:
    """A routing rule as referral last announced it (a removed override kept as a tombstone)."""

    service_code: str
    scope: str
    agencies: tuple[str, ...]
    sla_working_days: int | None
    version: int
    removed: bool
    changed_at: datetime


def hsds_id(kind: str, code: str) -> str:
    """A stable HSDS id (UUID) for an agency or service code."""
    return str(uuid.uuid5(NAMESPACE, f"{kind}:{code}"))


def _attributes(rule: RuleInForce, agency_code: str) -> list[dict[str, str]]:
    # The district rule's attributes keep their plain tags; an override's carry its kecamatan.
    suffix = f":{rule.scope}" if rule.scope != DISTRICT else ""
    return [
        {"tag": f"sla_working_days{suffix}", "value": str(rule.sla_working_days)},
        {"tag": f"routing_position{suffix}", "value": str(rule.agencies.index(agency_code) + 1)},
        {"tag": f"rule_version{suffix}", "value": str(rule.version)},
    ]


def hsds_directory(
    agencies: list[Agency],
    rules: list[RuleInForce],
    names: dict[str, tuple[str, str]],
) -> dict[str, Any]:
    """Agencies as HSDS organizations, each with the services whose rules in force name it.

    A service is listed under an agency when its district rule or a kecamatan's override names
    the agency; `routing_position` (1 is tried first) and `sla_working_days` are the district
    rule's, and `routing_position:<kecamatan>` etc. an override's.
    """
    in_force = sorted((r for r in rules if not r.removed), key=lambda r: (r.service_code, r.scope))
    organizations = []
    for agency in agencies:
        handled: dict[str, list[dict[str, str]]] = {}
        for rule in in_force:
            if agency.code in rule.agencies:
                handled.setdefault(rule.service_code, []).extend(_attributes(rule, agency.code))
        organization_id = hsds_id("organization", agency.code)
        organizations.append(
            {
                "id": organization_id,
                "name": agency.name_id,
                "alternate_name": agency.code,
                "description": agency.name_en,
                "services": [
                    {
                        "id": hsds_id("service", code),
                        "organization_id": organization_id,
                        "name": names.get(code, (code, code))[0],
                        "alternate_name": code,
                        "description": names.get(code, (code, code))[1],
                        "status": "active",
                        "attributes": attributes,
                    }
                    for code, attributes in handled.items()
                ],
            }
        )
    return {"version": "3.0", "organizations": organizations}
