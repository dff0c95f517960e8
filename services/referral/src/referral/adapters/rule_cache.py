"""The routing rules, read once and kept in the process until any rule changes.

Every change to `routing_rules` is announced on the schema's channel when it commits (migration
007); each replica listens and drops the rules it kept, so the next dispatch reads them again.
While the replica is not listening (starting, or its listening connection lost) nothing is kept
and each dispatch reads its rule as before. Rules are loaded in the caller's transaction (a
second connection per transaction could exhaust the pool), never in one that changed a rule
itself: only committed rules are kept.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import asyncpg

from referral.domain.routing import RoutingRule
from referral.domain.stages import Stage, stage_of
from slrt_shared.listening_cache import ListeningCache

_COLUMNS = "service_code, agencies, sla_working_days, version, scope, stages"
# The kecamatan's override if there is one, else the district's rule.
RULE_SQL = (
    f"SELECT {_COLUMNS} FROM routing_rules"
    " WHERE service_code = $1 AND scope IN ('', $2) ORDER BY scope DESC LIMIT 1"
)
_ALL_SQL = f"SELECT {_COLUMNS} FROM routing_rules"

Rules = dict[tuple[str, str], RoutingRule]


def rules_channel(schema: str) -> str:
    """The channel on which changes to a schema's routing rules are announced."""
    return f"slrt_routing_rules_{schema}"


def rule_of(row: asyncpg.Record) -> RoutingRule:
    """A rule from its row."""
    return RoutingRule(
        row["service_code"],
        tuple(row["agencies"]),
        row["sla_working_days"],
        row["version"],
        row["scope"],
        stages_of(row["stages"]),
    )


def stages_of(stored: str | None) -> tuple[Stage, ...]:
    """The stages of a rule from their stored JSON."""
    return tuple(stage_of(s) for s in json.loads(stored or "[]"))


def pick(rules: Rules, service_code: str, kecamatan_code: str) -> RoutingRule | None:
    """The kecamatan's override of a service's rule if there is one, else the district's."""
    if kecamatan_code:
        override = rules.get((service_code, kecamatan_code))
        if override is not None:
            return override
    return rules.get((service_code, ""))


class RoutingRules(ListeningCache):
    """Every committed routing rule, kept while changes to them are heard."""

    def __init__(self, pool: Callable[[], asyncpg.Pool], schema: str) -> None:
        super().__init__(pool, rules_channel(schema), "routing rule")
        self._kept: Rules | None = None

    async def rules(self, conn: asyncpg.Connection) -> Rules | None:
        """Every rule by (service, scope), read on `conn` when not kept; None while not listening.

        `conn`'s transaction must not have changed a rule: what it reads would be kept.
        """
        if not self.listening:
            return None
        if self._kept is not None:
            return self._kept
        generation = self.generation
        rows = await conn.fetch(_ALL_SQL)
        loaded = {(r["service_code"], r["scope"]): rule_of(r) for r in rows}
        if self.keeps(generation):
            self._kept = loaded
        return loaded

    def drop(self, changed: str | None) -> None:
        """Drop the rules kept."""
        self._kept = None
