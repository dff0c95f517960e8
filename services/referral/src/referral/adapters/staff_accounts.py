"""Personal accounts of secretariat and kecamatan staff in Postgres (only the token's hash)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import asyncpg

from referral.domain.staff import Staff


class StaffQueries:
    """Personal-account queries of a unit of work or of the admin's connection."""

    @property
    def conn(self) -> asyncpg.Connection:
        """The connection of the open transaction."""
        raise NotImplementedError

    async def add_staff_account(
        self, token_hash: str, kind: str, area_code: str, name: str
    ) -> dict[str, Any]:
        """Store a new account; its row (without the hash)."""
        row = await self.conn.fetchrow(
            "INSERT INTO staff_accounts (token_hash, kind, area_code, name)"
            f" VALUES ($1, $2, $3, $4) RETURNING {_ACCOUNT_COLUMNS}",
            token_hash,
            kind,
            area_code,
            name,
        )
        assert row is not None
        return dict(row)

    async def revoke_staff_account(self, account_id: UUID) -> dict[str, Any] | None:
        """Revoke an active account at once; its row, or None when there is no active one."""
        row = await self.conn.fetchrow(
            "UPDATE staff_accounts SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL"
            f" RETURNING {_ACCOUNT_COLUMNS}",
            account_id,
        )
        return dict(row) if row else None

    async def staff_accounts(self, area_code: str | None) -> list[dict[str, Any]]:
        """Every account (of one area and the kecamatans in it, if given), oldest first."""
        rows = await self.conn.fetch(
            f"SELECT {_ACCOUNT_COLUMNS} FROM staff_accounts WHERE $1::text IS NULL"
            " OR area_code = $1 OR starts_with(area_code, $1 || '.') ORDER BY created_at, id",
            area_code,
        )
        return [dict(r) for r in rows]


class StaffOnConnection(StaffQueries):
    """Personal-account queries on the admin's own connection (the command line)."""

    def __init__(self, conn: asyncpg.Connection) -> None:
        self._conn = conn

    @property
    def conn(self) -> asyncpg.Connection:
        """The admin's connection."""
        return self._conn


_ACCOUNT_COLUMNS = "id, kind, area_code, name, created_at, revoked_at"


def staff_of(row: asyncpg.Record) -> Staff:
    """The holder of a personal account: its area as regency (and kecamatan) code."""
    area = row["area_code"]
    if row["kind"] == "kecamatan":
        return Staff("kecamatan", area.rsplit(".", 1)[0], area, row["id"], row["name"])
    return Staff("secretariat", area, None, row["id"], row["name"])
