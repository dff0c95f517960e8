"""Which agency holds a key: asked of Postgres once, then kept in the process for a short while.

Every change to `agency_keys` is announced on the schema's channel when it commits (migration
010). Each replica listens and drops all it kept on every announcement, so a revoked key stops
working on every replica as soon as its revocation commits. While the replica is not listening
(starting, or its listening connection lost) nothing is kept: every request asks Postgres.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Any

import asyncpg

log = logging.getLogger(__name__)

# How long to wait before listening again after the listening connection was lost.
_RELISTEN_SECONDS = 1.0


def keys_channel(schema: str) -> str:
    """The channel on which changes to a schema's agency keys are announced."""
    return f"slrt_agency_keys_{schema}"


class AgencyKeys:
    """The agency of each active key, kept up to `ttl` seconds and dropped on any key change."""

    def __init__(
        self,
        pool: Callable[[], asyncpg.Pool],
        schema: str,
        ttl: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._pool = pool
        self._channel = keys_channel(schema)
        self._ttl = ttl
        self._clock = clock
        self._kept: dict[str, tuple[str, float]] = {}
        # Bumped on every announcement: a lookup begun before one may have read a key since
        # revoked, so its answer is used once but not kept.
        self._generation = 0
        self._listening = False

    @property
    def listening(self) -> bool:
        """Whether changes to the keys are heard now (only then is anything kept)."""
        return self._listening

    async def agency_of(self, key_hash: str) -> str | None:
        """The agency holding an active key with this hash (None for an unknown or revoked one)."""
        kept = self._kept.get(key_hash)
        if kept is not None and kept[1] > self._clock():
            return kept[0]
        generation = self._generation
        # One statement outside any transaction: a key is read, nothing is written.
        value = await self._pool().fetchval(
            "SELECT agency_code FROM agency_keys WHERE key_hash = $1 AND revoked_at IS NULL",
            key_hash,
        )
        code = str(value) if value else None
        if code is not None and self._listening and generation == self._generation:
            self._kept[key_hash] = (code, self._clock() + self._ttl)
        return code

    def forget(self) -> None:
        """Drop everything kept (a key changed, or changes can no longer be heard)."""
        self._generation += 1
        self._kept.clear()

    def _on_change(self, *_: Any) -> None:
        self.forget()

    async def listen(self) -> None:
        """Listen for key changes for the life of the service, listening again when cut off."""
        while True:
            try:
                await self._listen_once()
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
                log.warning("listening for agency key changes failed, retrying: %s", exc)
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
            # Only now can a change be heard: what was read before may be stale.
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
