"""The agencies' names: written by `seed` and from directory.agencies, read by the reports."""

from __future__ import annotations

from datetime import datetime

from slrt_shared.unit_of_work import PgUnitOfWork

UPSERT_AGENCY = (
    "INSERT INTO agencies (code, name_id, name_en, kind, registered_at)"
    " VALUES ($1, $2, $3, $4, COALESCE($5, now())) ON CONFLICT (code) DO UPDATE SET"
    " name_id = EXCLUDED.name_id, name_en = EXCLUDED.name_en, kind = EXCLUDED.kind,"
    " registered_at = EXCLUDED.registered_at"
)


class AgencyNames(PgUnitOfWork):
    """The agencies' names in a unit of work."""

    async def save_agency(
        self, code: str, name_id: str, name_en: str, kind: str, registered_at: datetime
    ) -> None:
        """Add an agency or update its names (by code)."""
        await self.conn.execute(UPSERT_AGENCY, code, name_id, name_en, kind, registered_at)

    async def agency_names(self) -> dict[str, str]:
        """Each agency's name in Bahasa Indonesia, by code."""
        rows = await self.conn.fetch("SELECT code, name_id FROM agencies")
        return {r["code"]: r["name_id"] for r in rows}
