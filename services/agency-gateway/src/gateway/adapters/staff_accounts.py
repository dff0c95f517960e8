"""Staff accounts in Postgres: issued, revoked and listed (only the token's hash is kept)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import asyncpg

from gateway.domain.staff import Role


class StaffQueries:
    """Staff-account queries of a unit of work or of the admin's connection."""

    @property
    def conn(self) -> asyncpg.Connection:
        """The connection of the open transaction."""
        raise NotImplementedError

    async def agency_exists(self, agency_code: str) -> bool:
        """Whether the agency is registered."""
        return bool(
            await self.conn.fetchval(
                "SELECT EXISTS (SELECT 1 FROM agencies WHERE code = $1)", agency_code
            )
        )

    async def add_staff_account(
        self, token_hash: str, agency_code: str, name: str, role: Role
    ) -> dict[str, Any]:
        """Store a new account; its row (without the hash)."""
        row = await self.conn.fetchrow(
            "INSERT INTO staff_accounts (token_hash, agency_code, name, role)"
            " VALUES ($1, $2, $3, $4)"
            " RETURNING id, agency_code, name, role, created_at, revoked_at",
            token_hash,
            agency_code,
            name,
            role,
        )
        assert row is not None
        return dict(row)

    async def revoke_staff_account(self, account_id: UUID) -> dict[str, Any] | None:
        """Revoke an active account at once; its row, or None when there is no active one."""
        row = await self.conn.fetchrow(
            "UPDATE staff_accounts SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL"
            " RETURNING id, agency_code, name, role, created_at, revoked_at",
            account_id,
        )
        return dict(row) if row else None

    async def staff_accounts(self, agency_code: str | None) -> list[dict[str, Any]]:
        """Every account (of one agency, if given), oldest first, without the hashes."""
        rows = await self.conn.fetch(
            "SELECT id, agency_code, name, role, created_at, revoked_at FROM staff_accounts"
            " WHERE ($1::text IS NULL OR agency_code = $1) ORDER BY created_at, id",
            agency_code,
        )
        return [dict(r) for r in rows]

    async def staff_names(self, account_ids: list[UUID]) -> dict[UUID, str]:
        """The names of the accounts among these ids (revoked ones too)."""
        rows = await self.conn.fetch(
            "SELECT id, name FROM staff_accounts WHERE id = ANY($1::uuid[])", account_ids
        )
        return {r["id"]: r["name"] for r in rows}


class StaffOnConnection(StaffQueries):
    """Staff-account queries on the admin's own connection (the command line)."""

    def __init__(self, conn: asyncpg.Connection) -> None:
        self._conn = conn

    @property
    def conn(self) -> asyncpg.Connection:
        """The admin's connection."""
        return self._conn
