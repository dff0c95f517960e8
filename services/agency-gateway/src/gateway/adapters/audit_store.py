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
        account_id: UUID | None = None,
        since: datetime | None,
        until: datetime | None,
        before_id: int | None,
        limit: int,
    ) -> list[dict[str, Any]]:
        """Reads of personal data in [since, until), newest first, below `before_id` if given."""
        rows = await self.conn.fetch(
            "SELECT a.id, a.agency_code, a.referral_id, a.fields, a.at, a.account_id,"
            " s.name AS account_name FROM audit_log a"
            " LEFT JOIN staff_accounts s ON s.id = a.account_id"
            " WHERE ($1::text IS NULL OR a.agency_code = $1)"
            " AND ($2::uuid IS NULL OR a.referral_id = $2)"
            " AND ($3::timestamptz IS NULL OR a.at >= $3)"
            " AND ($4::timestamptz IS NULL OR a.at < $4)"
            " AND ($5::bigint IS NULL OR a.id < $5)"
            " AND ($7::uuid IS NULL OR a.account_id = $7)"
            " ORDER BY a.id DESC LIMIT $6",
            agency_code,
            referral_id,
            since,
            until,
            before_id,
            limit,
            account_id,
        )
        return [dict(r) for r in rows]
