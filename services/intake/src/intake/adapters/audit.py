"""Reading the logs of personal-data reads and of complaint lists (never pruned), a month at a
time."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import asyncpg


async def pii_reads(
    conn: asyncpg.Connection, *, since: datetime, until: datetime, after_id: int, limit: int
) -> list[dict[str, Any]]:
    """Reads in [since, until) after an id, oldest first, with who read (never a token hash)."""
    rows = await conn.fetch(
        "SELECT r.id, o.id AS reader_id, o.kind AS reader_kind, o.label AS reader_label,"
        " r.complaint_id, r.fields, r.at FROM pii_reads r"
        " JOIN operators o ON o.token_hash = r.reader"
        " WHERE r.at >= $1 AND r.at < $2 AND r.id > $3 ORDER BY r.id LIMIT $4",
        since,
        until,
        after_id,
        limit,
    )
    return [dict(r) for r in rows]


async def complaint_lists(
    conn: asyncpg.Connection, *, since: datetime, until: datetime, after_id: int, limit: int
) -> list[dict[str, Any]]:
    """Lists of complaints in [since, until) after an id, oldest first: who, which filters, how
    many items and which complaints (never a token hash)."""
    rows = await conn.fetch(
        "SELECT l.id, o.id AS reader_id, o.kind AS reader_kind, o.label AS reader_label,"
        " l.filters, l.items, l.complaint_ids, l.at FROM complaint_lists l"
        " JOIN operators o ON o.token_hash = l.reader"
        " WHERE l.at >= $1 AND l.at < $2 AND l.id > $3 ORDER BY l.id LIMIT $4",
        since,
        until,
        after_id,
        limit,
    )
    return [dict(r) | {"filters": json.loads(r["filters"])} for r in rows]
