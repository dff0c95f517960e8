"""Operators and the catalogue kept in memory for a few seconds, dropped when Postgres says so.

Every request needs its caller (token -> operator) and every registration the catalogue
(villages, services); both change rarely, so a replica keeps them for `ttl` seconds instead of
reading them per request. Migration 010 has Postgres announce each change to those tables on
the schema's channel; `listen_for_changes` holds a connection listening on it and drops the
copies on every notification, on every replica. While it does not listen (starting, or its
connection lost) nothing is kept: a revoked token stops working as soon as the notification
arrives, and within `ttl` at worst (a notification lost on a connection not yet seen broken).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg

from intake.domain.access import Caller
from intake.domain.complaints import Catalogue

log = logging.getLogger(__name__)

# A bound on the tokens kept: past it the oldest go first (an operator per village of a
# country is some 83,000).
MAX_CALLERS = 100_000


def channel(schema: str) -> str:
    """The channel on which changes to a schema's operators and catalogue are announced."""
    return f"slrt_intake_cache_{schema}"


class ReferenceCache:
    """Callers by token hash and the catalogue, each kept `ttl` seconds while changes are heard.

    A load that started before a change was announced is not kept (the generation moved on),
    so a copy read just before a revocation cannot outlive its notification.
    """

    def __init__(self, ttl: float, clock: Callable[[], float] = time.monotonic) -> None:
        self._ttl = ttl
        self._clock = clock
        self._generation = 0
        self._listening = False
        self._callers: dict[str, tuple[float, Caller]] = {}
        self._catalogue: tuple[float, Catalogue] | None = None

    @property
    def listening(self) -> bool:
        """Whether changes are heard (only then is anything kept)."""
        return self._listening

    def listen(self, listening: bool) -> None:
        """Start keeping copies (changes are heard from now on) or stop and drop them all."""
        self._listening = listening
        self.invalidate()

    def invalidate(self, table: str | None = None) -> None:
        """Drop what a change to `table` (None: any table) may have made stale."""
        self._generation += 1
        if table in (None, "operators"):
            self._callers.clear()
        if table in (None, "villages", "services"):
            self._catalogue = None

    async def caller(
        self, token_hash: str, load: Callable[[str], Awaitable[Caller | None]]
    ) -> Caller | None:
        """The active caller holding a token, from memory or `load`ed (unknown ones not kept)."""
        now = self._clock()
        kept = self._callers.get(token_hash)
        if kept is not None and kept[0] > now:
            return kept[1]
        generation = self._generation
        found = await load(token_hash)
        if found is not None and self._keeps(generation):
            if len(self._callers) >= MAX_CALLERS:
                self._callers.pop(next(iter(self._callers)))
            self._callers[token_hash] = (now + self._ttl, found)
        return found

    async def catalogue(self, load: Callable[[], Awaitable[Catalogue]]) -> Catalogue:
        """The catalogue, from memory or `load`ed."""
        now = self._clock()
        if self._catalogue is not None and self._catalogue[0] > now:
            return self._catalogue[1]
        generation = self._generation
        found = await load()
        if self._keeps(generation):
            self._catalogue = (now + self._ttl, found)
        return found

    def _keeps(self, generation: int) -> bool:
        return self._listening and self._ttl > 0 and generation == self._generation


async def listen_for_changes(dsn: str, schema: str, cache: ReferenceCache) -> None:
    """Hold a connection listening for changes and drop the cache's copies on each; raises when
    the connection is lost (the runtime restarts the job), keeping nothing until it is back."""
    conn = await asyncpg.connect(dsn, server_settings={"application_name": f"slrt-{schema}-cache"})
    lost = asyncio.Event()

    def changed(_: Any, __: int, ___: str, table: str) -> None:
        cache.invalidate(table or None)

    try:
        conn.add_termination_listener(lambda _: lost.set())
        await conn.add_listener(channel(schema), changed)
        # Whatever changed while nobody listened is dropped with this.
        cache.listen(True)
        await lost.wait()
    finally:
        cache.listen(False)
        if not conn.is_closed():
            await conn.close()
    raise ConnectionError("the cache's listening connection was lost")
