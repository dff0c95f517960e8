"""asyncpg queries of the agency registry, the rules in force and the services' names."""

from __future__ import annotations

import asyncpg

from gateway.domain.directory import Agency, RuleInForce
from slrt_shared.unit_of_work import ConnectionAnnouncer

_UPSERT_AGENCY = (
    "INSERT INTO agencies (code, name_id, name_en, kind) VALUES ($1, $2, $3, $4)"
    " ON CONFLICT (code) DO UPDATE SET name_id = EXCLUDED.name_id,"
    " name_en = EXCLUDED.name_en, kind = EXCLUDED.kind"
)


class DirectoryQueries:
    """Registry and directory queries of a transaction (mixed into the units of work)."""

    @property
    def conn(self) -> asyncpg.Connection:
        """The connection of the open transaction."""
        raise NotImplementedError

    async def save_agency(self, agency: Agency) -> None:
        """Add an agency to the registry, or update its names and kind."""
        await self.conn.execute(
            _UPSERT_AGENCY, agency.code, agency.name_id, agency.name_en, agency.kind
        )

    async def registered_agencies(self) -> list[Agency]:
        """Every agency of the registry, by code."""
        rows = await self.conn.fetch(
            "SELECT code, name_id, name_en, kind FROM agencies ORDER BY code"
        )
        return [Agency(**dict(r)) for r in rows]

    async def apply_rule(self, rule: RuleInForce) -> bool:
        """Keep a rule unless a newer (or the same) version is kept already; whether it was."""
        done = await self.conn.execute(
            "INSERT INTO routing_rules (service_code, scope, agencies, sla_working_days, version,"
            " removed, changed_at) VALUES ($1, $2, $3, $4, $5, $6, $7)"
            " ON CONFLICT (service_code, scope) DO UPDATE SET agencies = EXCLUDED.agencies,"
            " sla_working_days = EXCLUDED.sla_working_days, version = EXCLUDED.version,"
            " removed = EXCLUDED.removed, changed_at = EXCLUDED.changed_at"
            " WHERE routing_rules.version < EXCLUDED.version",
            rule.service_code,
            rule.scope,
            list(rule.agencies),
            rule.sla_working_days,
            rule.version,
            rule.removed,
            rule.changed_at,
        )
        return bool(done.endswith(" 1"))

    async def rules_in_force(self) -> list[RuleInForce]:
        """Every rule kept, removed overrides included, by service and scope."""
        rows = await self.conn.fetch(
            "SELECT service_code, scope, agencies, sla_working_days, version, removed, changed_at"
            " FROM routing_rules ORDER BY service_code, scope"
        )
        return [RuleInForce(**{**dict(r), "agencies": tuple(r["agencies"])}) for r in rows]

    async def service_names(self) -> dict[str, tuple[str, str]]:
        """The catalogue's names of each service: (Bahasa Indonesia, English)."""
        rows = await self.conn.fetch(
            "SELECT code, name_id, name_en FROM services WHERE name_id IS NOT NULL"
        )
        return {r["code"]: (r["name_id"], r["name_en"] or r["name_id"]) for r in rows}


class RegistryOnConnection(ConnectionAnnouncer, DirectoryQueries):
    """The agency registry on a connection of its own (the admin's command line, the seed)."""
