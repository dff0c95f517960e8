"""The agencies' names: written by `seed` and from directory.agencies, read by the reports."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import asyncpg

from slrt_shared.unit_of_work import PgUnitOfWork

_UPSERT = (
    "INSERT INTO agencies (code, name_id, name_en, kind, registered_at)"
    " VALUES ($1, $2, $3, $4, COALESCE($5, now())) ON CONFLICT (code) DO UPDATE SET"
    " name_id = EXCLUDED.name_id, name_en = EXCLUDED.name_en, kind = EXCLUDED.kind,"
    " registered_at = EXCLUDED.registered_at"
)


async def save_agencies(
    conn: asyncpg.Connection, rows: Iterable[tuple[str, str, str, str]]
) -> None:
    """Upsert agencies given as (code, name_id, name_en, kind)."""
    await conn.executemany(_UPSERT, [(*row, None) for row in rows])


class AgencyNames(PgUnitOfWork):
    """The agencies' names in a unit of work."""

    async def save_agency(
        self, code: str, name_id: str, name_en: str, kind: str, registered_at: datetime
    ) -> None:
        """Add an agency or update its names (by code)."""
        await self.conn.execute(_UPSERT, code, name_id, name_en, kind, registered_at)

    async def agency_names(self) -> dict[str, str]:
        """Each agency's name in Bahasa Indonesia, by code."""
        rows = await self.conn.fetch("SELECT code, name_id FROM agencies")
        return {r["code"]: r["name_id"] for r in rows}
