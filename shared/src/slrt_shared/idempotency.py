"""Idempotency keys: a client's key remembered with its request's fingerprint and the answer.

A request carrying a key is handled once: `replay` takes the key's lock (held to the end of the
transaction, so concurrent repeats wait for the first), then answers what was saved under the
key, refuses a different request under it (`IdempotencyKeyReusedError`), or finds nothing (a
new request: the caller does its work and `remember`s the answer in the same transaction).

Each service keeps the table `idempotency_keys` in its own schema, created by its own migration
as `TABLE` says (plus an index on created_at, for the purge, and any its erasure needs).
The service chooses the scope (whose key it is: an agency, a source and village); this module
knows nothing of what the answers mean.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import asyncpg

from slrt_shared.retention import RetentionRule

__all__ = [
    "TABLE",
    "IdempotencyKey",
    "IdempotencyKeyReusedError",
    "IdempotencyQueries",
    "canonical_json",
    "digest",
    "fingerprint",
    "forget",
    "remember",
    "replay",
    "retention_rule",
]

TABLE = """CREATE TABLE idempotency_keys (
    scope        text NOT NULL,
    key          text NOT NULL,
    request_hash text NOT NULL,
    response     jsonb NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (scope, key)
)"""
"""The table's shape, as each service's migration writes it (a test compares them)."""

# The lock class: the idempotency keys' own space among the database's advisory locks.
_LOCK_CLASS = "slrt.idempotency"
_FIELD = re.compile(r"^[a-z_][a-z0-9_]*$")


@dataclass(frozen=True)
class IdempotencyKey:
    """A client's key within the scope it belongs to (keys of different scopes never meet)."""

    scope: str
    key: str


class IdempotencyKeyReusedError(Exception):
    """The key was used before for a different request."""

    def __init__(self, key: IdempotencyKey) -> None:
        super().__init__(key.key)
        self.key = key


def canonical_json(request: Any) -> str:
    """The request as JSON with sorted keys: equal requests give equal text."""
    return json.dumps(request, sort_keys=True)


def digest(text: str) -> str:
    """The SHA-256 hex digest of a text: the one hash requests are fingerprinted with."""
    return hashlib.sha256(text.encode()).hexdigest()


def fingerprint(request: Any) -> str:
    """Hash of a request (JSON-able), to tell a repeat from another request under one key."""
    return digest(canonical_json(request))


def same_request(key: IdempotencyKey, saved_hash: str, request_hash: str) -> None:
    """Raise IdempotencyKeyReusedError unless a repeat is the request its key was saved with."""
    if saved_hash != request_hash:
        raise IdempotencyKeyReusedError(key)


async def replay(
    conn: asyncpg.Connection, key: IdempotencyKey, request_hash: str
) -> dict[str, Any] | None:
    """Lock the key to the end of the transaction; the answer saved under it, or None if new.

    Raises IdempotencyKeyReusedError when the key was saved with another request's hash.
    """
    await conn.execute(
        "SELECT pg_advisory_xact_lock(hashtext($1::text), hashtext($2::text))",
        _LOCK_CLASS,
        f"{key.scope}|{key.key}",
    )
    row = await conn.fetchrow(
        "SELECT request_hash, response FROM idempotency_keys WHERE scope = $1 AND key = $2",
        key.scope,
        key.key,
    )
    if row is None:
        return None
    same_request(key, row["request_hash"], request_hash)
    answer: dict[str, Any] = json.loads(row["response"])
    return answer


async def remember(
    conn: asyncpg.Connection,
    key: IdempotencyKey,
    request_hash: str,
    response: Mapping[str, Any],
) -> None:
    """Save the answer to replay under a key (after `replay` found nothing, same transaction)."""
    await conn.execute(
        "INSERT INTO idempotency_keys (scope, key, request_hash, response) VALUES ($1, $2, $3, $4)",
        key.scope,
        key.key,
        request_hash,
        json.dumps(response, default=str),
    )


async def forget(conn: asyncpg.Connection, field: str, values: Sequence[str]) -> int:
    """Drop the keys whose saved answer has one of `values` in its `field`; how many went."""
    if not _FIELD.match(field):
        raise ValueError(f"not a field name: {field!r}")
    # The field is written into the statement so that an index on the expression serves it.
    rows = await conn.fetch(
        f"DELETE FROM idempotency_keys WHERE response ->> '{field}' = ANY($1::text[]) RETURNING 1",
        list(values),
    )
    return len(rows)


def retention_rule(name: str, max_age: timedelta) -> RetentionRule:
    """Keys forgotten `max_age` after they were saved (a resend after that is a new request)."""
    return RetentionRule(
        name=name,
        sql="DELETE FROM idempotency_keys WHERE (scope, key) IN ("
        " SELECT scope, key FROM idempotency_keys WHERE created_at < $1"
        " ORDER BY created_at LIMIT $2) RETURNING 1",
        max_age=max_age,
    )


class IdempotencyQueries:
    """`replay` and `remember` on a unit of work's transaction (mixed into a service's)."""

    @property
    def conn(self) -> asyncpg.Connection:
        """The connection of the open transaction (the unit of work's)."""
        raise NotImplementedError

    async def replay(self, key: IdempotencyKey, request_hash: str) -> dict[str, Any] | None:
        """Lock the key; the answer saved under it, or None; refuses another request's key."""
        return await replay(self.conn, key, request_hash)

    async def remember(
        self, key: IdempotencyKey, request_hash: str, response: Mapping[str, Any]
    ) -> None:
        """Save the answer to replay under the key, in this transaction."""
        await remember(self.conn, key, request_hash, response)
