"""Operators and the catalogue kept in memory for a few seconds, dropped when Postgres says so.

Every request needs its caller (token -> operator) and every registration the catalogue
(villages, services); both change rarely, so a replica keeps them for `ttl` seconds instead of
reading them per request. Migration 010 has Postgres announce each change to those tables on
the schema's channel; `listen` holds a connection listening on it and drops the copies on
every notification, on every replica. While it does not listen (starting, or its
connection lost) nothing is kept: a revoked token stops working as soon as the notification
arrives, and within `ttl` at worst (a notification lost on a connection not yet seen broken).
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

import asyncpg

from intake.domain.access import Caller
from intake.domain.complaints import Catalogue
from slrt_shared.listening_cache import Expiring, ListeningCache

# A bound on the tokens kept: past it the oldest go first (an operator per village of a
# country is some 83,000).
MAX_CALLERS = 100_000


def channel(schema: str) -> str:
    """The channel on which changes to a schema's operators and catalogue are announced."""
    return f"slrt_intake_cache_{schema}"


class ReferenceCache(ListeningCache):
    """Callers by token hash and the catalogue, each kept `ttl` seconds while changes are heard.

    A load that started before a change was announced is not kept (the generation moved on),
    so a copy read just before a revocation cannot outlive its notification.
    """

    def __init__(
        self,
        pool: Callable[[], asyncpg.Pool],
        schema: str,
        ttl: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(pool, channel(schema), "operator and catalogue")
        self._callers: Expiring[str, Caller] = Expiring(ttl, clock, MAX_CALLERS)
        self._catalogue: Expiring[None, Catalogue] = Expiring(ttl, clock)

    def drop(self, changed: str | None) -> None:
        """Drop what a change to the table `changed` (None: any table) may have made stale."""
        if changed in (None, "operators"):
            self._callers.clear()
        if changed in (None, "villages", "services"):
            self._catalogue.clear()

    async def caller(
        self, token_hash: str, load: Callable[[str], Awaitable[Caller | None]]
    ) -> Caller | None:
        """The active caller holding a token, from memory or `load`ed (unknown ones not kept)."""
        return await self.kept_or_loaded(self._callers, token_hash, lambda: load(token_hash))

    async def catalogue(self, load: Callable[[], Awaitable[Catalogue]]) -> Catalogue:
        """The catalogue, from memory or `load`ed."""
        found = await self.kept_or_loaded(self._catalogue, None, load)
        assert found is not None  # a catalogue is always loaded, if empty
        return found
