"""Copies kept in a process only while Postgres is heard announcing every change to the original.

A service's migration adds a trigger that notifies a channel when the copied table changes;
each replica listens on it and drops its copies on every announcement. While a replica is not
listening (starting, or its listening connection lost) it keeps nothing, so a copy never
outlives a change it could not hear. A read begun before an announcement is used once but not
kept (the generation moved on).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Hashable
from typing import Any, Generic, TypeVar

import asyncpg

from slrt_shared.waiting import wait_set

log = logging.getLogger(__name__)

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

# How long to wait before listening again after the listening connection was lost.
RELISTEN_SECONDS = 1.0
# A connection that died silently is noticed by the next statement on it.
_PROBE_SECONDS = 5.0


class Expiring(Generic[K, V]):
    """Copies by key, each kept `ttl` seconds (none when 0); past `limit` the oldest go first."""

    def __init__(
        self, ttl: float, clock: Callable[[], float] = time.monotonic, limit: int = 100_000
    ) -> None:
        self._ttl = ttl
        self._clock = clock
        self._limit = limit
        self._kept: dict[K, tuple[float, V]] = {}

    def get(self, key: K) -> V | None:
        """The copy kept under `key`, unless it has expired."""
        kept = self._kept.get(key)
        return kept[1] if kept is not None and kept[0] > self._clock() else None

    def put(self, key: K, value: V) -> None:
        """Keep a copy for `ttl` seconds."""
        if self._ttl <= 0:
            return
        if key not in self._kept and len(self._kept) >= self._limit:
            self._kept.pop(next(iter(self._kept)))
        self._kept[key] = (self._clock() + self._ttl, value)

    def clear(self) -> None:
        """Drop every copy."""
        self._kept.clear()


class ListeningCache:
    """The listening half of a cache; a subclass keeps the copies and says how to drop them."""

    def __init__(self, pool: Callable[[], asyncpg.Pool], channel: str, what: str) -> None:
        self._pool = pool
        self._channel = channel
        self._what = what  # for the log: "routing rule", "agency key"
        self._generation = 0
        self._listening = False

    @property
    def listening(self) -> bool:
        """Whether changes are heard now (only then is anything kept)."""
        return self._listening

    @property
    def generation(self) -> int:
        """Moves on at every announcement: what was read under an older one is not kept."""
        return self._generation

    def keeps(self, generation: int) -> bool:
        """Whether what was read under `generation` may be kept."""
        return self._listening and generation == self._generation

    async def kept_or_loaded(
        self, copies: Expiring[K, V], key: K, load: Callable[[], Awaitable[V | None]]
    ) -> V | None:
        """The copy kept under `key`, else what `load` finds (kept if found and still current)."""
        kept = copies.get(key)
        if kept is not None:
            return kept
        generation = self._generation
        found = await load()
        if found is not None and self.keeps(generation):
            copies.put(key, found)
        return found

    def drop(self, changed: str | None) -> None:
        """Drop the copies a change to `changed` (the announcement's payload; None: anything)
        may have made stale (the subclass's)."""
        raise NotImplementedError

    def forget(self, changed: str | None = None) -> None:
        """Drop what a change may have made stale (None: everything, as when not heard)."""
        self._generation += 1
        self.drop(changed)

    def hearing(self, heard: bool) -> None:
        """Start keeping copies (changes are heard from now on) or stop and drop them all."""
        self._listening = heard
        self.forget()

    async def listen(self) -> None:
        """Listen for changes for the life of the service, listening again when cut off."""
        while True:
            try:
                await self._listen_once()
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
                log.warning("listening for %s changes failed, retrying: %s", self._what, exc)
            await asyncio.sleep(RELISTEN_SECONDS)

    def _on_change(self, _conn: Any, _pid: int, _channel: str, payload: str) -> None:
        self.forget(payload or None)

    async def _listen_once(self) -> None:
        pool = self._pool()
        conn = await pool.acquire()
        lost = asyncio.Event()

        def on_lost(*_: Any) -> None:
            self.hearing(False)
            lost.set()

        try:
            conn.add_termination_listener(on_lost)
            await conn.add_listener(self._channel, self._on_change)
            # Only now can a change be heard: what was read before may be stale.
            self.hearing(True)
            while not lost.is_set():
                if not await wait_set(lost, _PROBE_SECONDS):
                    await conn.execute("SELECT 1")
        finally:
            self.hearing(False)
            conn.remove_termination_listener(on_lost)
            try:
                if not conn.is_closed():
                    await conn.remove_listener(self._channel, self._on_change)
            finally:
                await pool.release(conn)
