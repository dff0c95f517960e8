"""The routing rules, read once and kept in the process until any rule changes.

Every change to `routing_rules` is announced on the schema's channel when it commits (migration
007); each replica listens and drops the rules it kept, so the next dispatch reads them again.
While the replica is not listening (starting, or its listening connection lost) nothing is kept
and each dispatch reads its rule as before. Rules are loaded in the caller's transaction (a
second connection per transaction could exhaust the pool), never in one that changed a rule
itself: only committed rules are kept.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

import asyncpg

from referral.domain.routing import RoutingRule

log = logging.getLogger(__name__)

_RELISTEN_SECONDS = 1.0
_COLUMNS = "service_code, agencies, sla_working_days, version, scope"
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
    )


def pick(rules: Rules, service_code: str, kecamatan_code: str) -> RoutingRule | None:
    """The kecamatan's override of a service's rule if there is one, else the district's."""
    if kecamatan_code:
        override = rules.get((service_code, kecamatan_code))
        if override is not None:
            return override
    return rules.get((service_code, ""))


class RoutingRules:
    """Every committed routing rule, kept while changes to them are heard."""

    def __init__(self, pool: Callable[[], asyncpg.Pool], schema: str) -> None:
        self._pool = pool
        self._channel = rules_channel(schema)
        self._kept: Rules | None = None
        # Bumped on every announcement: rules loaded before one are used once but not kept.
        self._generation = 0
        self._listening = False

    @property
    def listening(self) -> bool:
        """Whether changes to the rules are heard now (only then are rules kept)."""
        return self._listening

    async def rules(self, conn: asyncpg.Connection) -> Rules | None:
        """Every rule by (service, scope), read on `conn` when not kept; None while not listening.

        `conn`'s transaction must not have changed a rule: what it reads would be kept.
        """
        if not self._listening:
            return None
        if self._kept is not None:
            return self._kept
        generation = self._generation
        rows = await conn.fetch(_ALL_SQL)
        loaded = {(r["service_code"], r["scope"]): rule_of(r) for r in rows}
        if self._listening and generation == self._generation:
            self._kept = loaded
        return loaded

    def forget(self) -> None:
        """Drop the rules kept (one changed, or changes can no longer be heard)."""
        self._generation += 1
        self._kept = None

    def _on_change(self, *_: Any) -> None:
        self.forget()

    async def listen(self) -> None:
        """Listen for rule changes for the life of the service, listening again when cut off."""
        while True:
            try:
                await self._listen_once()
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
                log.warning("listening for routing rule changes failed, retrying: %s", exc)
            await asyncio.sleep(_RELISTEN_SECONDS)

    async def _listen_once(self) -> None:
        pool = self._pool()
        conn = await pool.acquire()
        lost = asyncio.Event()

        def on_lost(*_: Any) -> None:
            self._stop_keeping()
            lost.set()

        try:
            conn.add_termination_listener(on_lost)
            await conn.add_listener(self._channel, self._on_change)
            # Only now can a change be heard: rules read before may be stale.
            self.forget()
            self._listening = True
            while not lost.is_set():
                try:
                    await asyncio.wait_for(lost.wait(), 5.0)
                except TimeoutError:
                    # A connection that died silently is noticed by the next statement on it.
                    await conn.execute("SELECT 1")
        finally:
            self._stop_keeping()
            conn.remove_termination_listener(on_lost)
            try:
                if not conn.is_closed():
                    await conn.remove_listener(self._channel, self._on_change)
            finally:
                await pool.release(conn)

    def _stop_keeping(self) -> None:
        self._listening = False
        self.forget()
