"""asyncpg queries of DTSEN data proposals (intake schema)."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any
from uuid import UUID

import asyncpg


class DataProposalQueries:
    """Queries of the villages' DTSEN data proposals (mixed into IntakeUnitOfWork)."""

    @property
    def conn(self) -> asyncpg.Connection:
        """The connection of the open transaction (the unit of work's)."""
        raise NotImplementedError

    async def save_data_proposal(
        self,
        complaint_id: UUID,
        *,
        kind: str,
        removal_reason: str | None,
        deliberation_date: date,
        village_code: str,
        regency_code: str,
        at: datetime,
        kk_number: str,
    ) -> None:
        """Save a proposal's codes and its household's KK number (with the head's data)."""
        await self.conn.execute(
            "WITH p AS (INSERT INTO data_proposals (complaint_id, kind, removal_reason,"
            " deliberation_date, village_code, regency_code, proposed_at)"
            " VALUES ($1, $2, $3, $4, $5, $6, $7))"
            " UPDATE residents SET kk_number = $8 WHERE complaint_id = $1",
            complaint_id,
            kind,
            removal_reason,
            deliberation_date,
            village_code,
            regency_code,
            at,
            kk_number,
        )

    async def list_data_proposals(
        self,
        *,
        village: str | None,
        regency: str,
        after: tuple[datetime, UUID] | None,
        limit: int,
        reader: str,
    ) -> list[dict[str, Any]]:
        """Up to `limit` + 1 proposals of a village (or of a regency when `village` is None),
        newest first, with their case's status, closing and head's name; the page shown is
        logged as read by `reader` (as the complaints' list is)."""
        rows = await self.conn.fetch(
            "WITH page AS ("
            " SELECT p.complaint_id, p.kind, p.removal_reason, p.deliberation_date,"
            " p.village_code, p.proposed_at, c.ticket, c.status, c.received_at, c.outcomes,"
            " c.erased_at, r.name"
            " FROM data_proposals p JOIN complaints c ON c.id = p.complaint_id"
            " LEFT JOIN residents r ON r.complaint_id = p.complaint_id"
            " WHERE ($1::text IS NULL OR p.village_code = $1) AND p.regency_code = $2"
            " AND ($3::timestamptz IS NULL OR (p.proposed_at, p.complaint_id) < ($3, $4::uuid))"
            " ORDER BY p.proposed_at DESC, p.complaint_id DESC LIMIT $5::int + 1"
            "), shown AS ("
            " SELECT complaint_id FROM page ORDER BY proposed_at DESC, complaint_id DESC"
            " LIMIT $5::int"
            "), audit AS ("
            " INSERT INTO complaint_lists (reader, filters, items, complaint_ids)"
            " SELECT $6::text, $7::jsonb, count(*),"
            " coalesce(array_agg(complaint_id), '{}'::uuid[]) FROM shown"
            ") SELECT * FROM page ORDER BY proposed_at DESC, complaint_id DESC",
            village,
            regency,
            after[0] if after else None,
            after[1] if after else None,
            limit,
            reader,
            json.dumps({"list": "data_proposals", "village": village, "regency": regency}),
        )
        found = []
        for row in rows:
            item = dict(row)
            outcomes = item["outcomes"]
            item["outcomes"] = json.loads(outcomes) if outcomes is not None else None
            found.append(item)
        return found
