"""The regencies' maps as the seed stored them (`adapters/seed.py` writes them)."""

from __future__ import annotations

from typing import Any

from slrt_shared.unit_of_work import PgUnitOfWork


class MapReads(PgUnitOfWork):
    """`region_maps` and `region_shapes`: a regency's size and paths."""

    async def regency_map(self, regency: str) -> dict[str, Any] | None:
        """A regency's map: width, height, and `villages`/`kecamatan` paths by code; or None."""
        size = await self.conn.fetchrow(
            "SELECT width, height FROM region_maps WHERE regency_code = $1", regency
        )
        if size is None:
            return None
        rows = await self.conn.fetch(
            "SELECT code, level, path FROM region_shapes WHERE regency_code = $1 ORDER BY code",
            regency,
        )
        return {
            "width": size["width"],
            "height": size["height"],
            "villages": {r["code"]: r["path"] for r in rows if r["level"] == "village"},
            "kecamatan": {r["code"]: r["path"] for r in rows if r["level"] == "district"},
        }
