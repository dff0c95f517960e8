"""Reading the audit log of personal-data reads (kept for good; read by month)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg


class AuditQueries:
    """Audit-log queries of a unit of work (mixed into GatewayUnitOfWork)."""

    @property
    def conn(self) -> asyncpg.Connection:
        """The connection of the open transaction (the unit of work's)."""
        raise NotImplementedError

    async def audit_entries(
        self,
        *,
        agency_code: str | None,
        referral_id: UUID | None,
        since: datetime | None,
        until: datetime | None,
        before_id: int | None,
        limit: int,
    ) -> list[dict[str, Any]]:
        """Reads of personal data in [since, until), newest first, below `before_id` if given."""
        rows = await self.conn.fetch(
            "SELECT id, agency_code, referral_id, fields, at FROM audit_log"
            " WHERE ($1::text IS NULL OR agency_code = $1)"
            " AND ($2::uuid IS NULL OR referral_id = $2)"
            " AND ($3::timestamptz IS NULL OR at >= $3) AND ($4::timestamptz IS NULL OR at < $4)"
            " AND ($5::bigint IS NULL OR id < $5)"
            " ORDER BY id DESC LIMIT $6",
            agency_code,
            referral_id,
            since,
            until,
            before_id,
            limit,
        )
        return [dict(r) for r in rows]
