"""asyncpg query of the complaints' list: one statement reads a page and audits it."""

from __future__ import annotations

import json
from typing import Any

import asyncpg

from intake.domain.listing import ComplaintFilter, Scope

# Each complaint's referrals come from its timeline, aggregated in the same statement.
_ENTRIES = (
    "(SELECT coalesce(json_agg(json_build_object('at', t.at, 'kind', t.kind,"
    " 'agency_code', t.agency_code, 'detail', t.detail) ORDER BY t.at, t.id), '[]'::json)"
    " FROM timeline t WHERE t.complaint_id = c.id AND t.kind <> 'received') AS entries"
)
_CLIENT_ID = (
    "(SELECT k.key FROM idempotency_keys k WHERE k.response ->> 'complaint_id' = c.id::text"
    " AND k.scope = 'batch:' || c.village_code LIMIT 1) AS client_id"
)


class ListingQueries:
    """The query of the complaints' list (mixed into IntakeUnitOfWork)."""

    @property
    def conn(self) -> asyncpg.Connection:
        """The connection of the open transaction (the unit of work's)."""
        raise NotImplementedError

    async def list_complaints(
        self, scope: Scope, wanted: ComplaintFilter, reader: str
    ) -> list[dict[str, Any]]:
        """Up to `wanted.limit` + 1 complaints newest first, with their resident, client id and
        timeline entries; the page shown (`limit` of them) is logged as read by `reader`."""
        args: list[Any] = [reader, json.dumps(wanted.audited()), wanted.limit]
        where: list[str] = []

        def arg(value: Any, cast: str) -> str:
            args.append(value)
            return f"${len(args)}::{cast}"

        if scope.empty:
            where.append("false")
        if scope.village is not None:
            where.append(f"c.village_code = {arg(scope.village, 'text')}")
        if scope.area is not None:
            where.append(f"starts_with(c.village_code, {arg(scope.area, 'text')} || '.')")
        if wanted.status is not None:
            where.append(f"c.status = {arg(wanted.status, 'text')}")
        if wanted.since is not None:
            where.append(f"c.received_at >= {arg(wanted.since, 'timestamptz')}")
        if wanted.until is not None:
            where.append(f"c.received_at < {arg(wanted.until, 'timestamptz')}")
        if wanted.ticket is not None:
            where.append(f"c.ticket = {arg(wanted.ticket, 'text')}")
        if wanted.client_id is not None:
            where.append(
                "c.id::text IN (SELECT k.response ->> 'complaint_id' FROM idempotency_keys k"
                f" WHERE k.key = {arg(wanted.client_id, 'text')} AND k.scope LIKE 'batch:%')"
            )
        if wanted.after is not None:
            at = arg(wanted.after.received_at, "timestamptz")
            where.append(
                f"(c.received_at, c.id) < ({at}, {arg(wanted.after.complaint_id, 'uuid')})"
            )
        rows = await self.conn.fetch(
            "WITH page AS ("
            " SELECT c.id, c.ticket, c.village_code, c.status, c.needs, c.received_at,"
            f" c.recorded_at, c.erased_at, r.nik, r.name, {_CLIENT_ID}, {_ENTRIES}"
            " FROM complaints c LEFT JOIN residents r ON r.complaint_id = c.id"
            f" WHERE {' AND '.join(where) or 'true'}"
            " ORDER BY c.received_at DESC, c.id DESC LIMIT $3::int + 1"
            "), shown AS ("
            " SELECT id FROM page ORDER BY received_at DESC, id DESC LIMIT $3::int"
            "), audit AS ("
            " INSERT INTO complaint_lists (reader, filters, items, complaint_ids)"
            " SELECT $1::text, $2::jsonb, count(*), coalesce(array_agg(id), '{}'::uuid[])"
            " FROM shown"
            ") SELECT * FROM page ORDER BY received_at DESC, id DESC",
            *args,
        )
        found = []
        for row in rows:
            item = dict(row)
            item["entries"] = json.loads(item["entries"])
            found.append(item)
        return found
