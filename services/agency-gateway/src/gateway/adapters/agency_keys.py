"""Which agency holds a key: asked of Postgres once, then kept in the process for a short while.

The same for the agency staff's personal tokens (`staff_accounts`, migration 011): who holds
one, of which agency, in which role. Every change to `agency_keys` or `staff_accounts` is
announced on the schema's channel when it commits (migration
010). Each replica listens and drops all it kept on every announcement, so a revoked key stops
working on every replica as soon as its revocation commits. While the replica is not listening
(starting, or its listening connection lost) nothing is kept: every request asks Postgres.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import asyncpg

from gateway.domain.staff import Caller, Role
from slrt_shared.listening_cache import Expiring, ListeningCache

# An agency's active system key, or a person's active staff token: at most one matches a hash.
_CALLER = """
SELECT agency_code, NULL::uuid AS account_id, NULL::text AS role, NULL::text AS name
FROM agency_keys WHERE key_hash = $1 AND revoked_at IS NULL
UNION ALL
SELECT agency_code, id, role, name FROM staff_accounts WHERE token_hash = $1 AND revoked_at IS NULL
LIMIT 1
"""


def keys_channel(schema: str) -> str:
    """The channel on which changes to a schema's agency keys are announced."""
    return f"slrt_agency_keys_{schema}"


class AgencyKeys(ListeningCache):
    """The agency of each active key, kept up to `ttl` seconds and dropped on any key change."""

    def __init__(
        self,
        pool: Callable[[], asyncpg.Pool],
        schema: str,
        ttl: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(pool, keys_channel(schema), "agency key")
        self._kept: Expiring[str, str] = Expiring(ttl, clock)
        self._callers: Expiring[str, Caller] = Expiring(ttl, clock)

    async def agency_of(self, key_hash: str) -> str | None:
        """The agency holding an active key with this hash (None for an unknown or revoked one)."""

        async def load() -> str | None:
            # One statement outside any transaction: a key is read, nothing is written.
            value = await self._pool().fetchval(
                "SELECT agency_code FROM agency_keys WHERE key_hash = $1 AND revoked_at IS NULL",
                key_hash,
            )
            return str(value) if value else None

        return await self.kept_or_loaded(self._kept, key_hash, load)

    async def caller_of(self, token_hash: str) -> Caller | None:
        """The agency (and person, for a staff token) of an active key or staff token."""

        async def load() -> Caller | None:
            row = await self._pool().fetchrow(_CALLER, token_hash)
            if row is None:
                return None
            role: Role | None = row["role"]
            return Caller(str(row["agency_code"]), row["account_id"], role, row["name"])

        return await self.kept_or_loaded(self._callers, token_hash, load)

    def drop(self, changed: str | None) -> None:
        """Drop every key and staff token kept."""
        self._kept.clear()
        self._callers.clear()
