"""The served regions, read by the reports (`adapters/seed.py` writes them)."""

from __future__ import annotations

from typing import Any

from slrt_shared.unit_of_work import PgUnitOfWork


class RegionReads(PgUnitOfWork):
    """Regions by code, and the villages or kecamatan of regencies."""

    async def region(self, code: str) -> dict[str, Any] | None:
        """A region (code, name, level, parent_code) by code."""
        row = await self.conn.fetchrow("SELECT * FROM regions WHERE code = $1", code)
        return dict(row) if row else None

    async def regions(self, regencies: list[str] | None, level: str) -> list[dict[str, Any]]:
        """Villages or kecamatan ('district') of some regencies (None: all), by code."""
        # Spelled out rather than `$2 IS NULL OR ...`, so a prepared statement keeps its plan.
        scope = "" if regencies is None else " AND substr(code, 1, 5) = ANY($2::text[])"
        args: list[Any] = [level] if regencies is None else [level, regencies]
        rows = await self.conn.fetch(
            f"SELECT code, name, parent_code FROM regions WHERE level = $1{scope} ORDER BY code",
            *args,
        )
        return [dict(r) for r in rows]
