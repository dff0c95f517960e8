"""Published rankings of each regency, versioned for the live stream."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from slrt_shared.unit_of_work import PgUnitOfWork


class Snapshots(PgUnitOfWork):
    """`ranking_snapshots`: the last published ranking of each regency, period and level."""

    async def save_snapshot(
        self,
        regency: str,
        period: str,
        level: str,
        digest: str,
        payload: str,
        computed_at: datetime,
    ) -> int:
        """Store a newly published ranking; return its version."""
        version = await self.conn.fetchval(
            "INSERT INTO ranking_snapshots (regency_code, period, level, digest, payload,"
            " version, computed_at) VALUES ($1, $2, $3, $4, $5::jsonb,"
            " nextval('ranking_snapshot_version'), $6)"
            " ON CONFLICT (regency_code, period, level) DO UPDATE SET digest = EXCLUDED.digest,"
            " payload = EXCLUDED.payload, version = EXCLUDED.version,"
            " computed_at = EXCLUDED.computed_at RETURNING version",
            regency,
            period,
            level,
            digest,
            payload,
            computed_at,
        )
        return int(version)

    async def digests(self, period: str) -> dict[tuple[str, str], str]:
        """Digest of each published ranking of a period, by (regency, level)."""
        rows = await self.conn.fetch(
            "SELECT regency_code, level, digest FROM ranking_snapshots WHERE period = $1", period
        )
        return {(r["regency_code"], r["level"]): r["digest"] for r in rows}

    async def stored_months(self, regency: str, months: list[str]) -> dict[tuple[str, str], Any]:
        """Of a regency's stored rankings of some months: the flagged village codes, agency rows.

        Keyed by (month, level): 'village' gives the codes of its flagged rows (read in
        Postgres, so a view does not decode every village's row), 'agency' its rows.
        """
        rows = await self.conn.fetch(
            "SELECT period, level, CASE WHEN level = 'village' THEN (SELECT"
            " coalesce(jsonb_agg(e -> 'code'), '[]'::jsonb) FROM jsonb_array_elements(payload) e"
            " WHERE (e ->> 'flagged')::boolean) ELSE payload END::text AS found"
            " FROM ranking_snapshots WHERE regency_code = $1 AND period = ANY($2::text[])"
            " AND level IN ('village', 'agency')",
            regency,
            months,
        )
        return {(r["period"], r["level"]): json.loads(r["found"]) for r in rows}

    async def latest_version(self) -> int:
        """The newest snapshot version (0 if none)."""
        return int(
            await self.conn.fetchval("SELECT COALESCE(max(version), 0) FROM ranking_snapshots")
        )

    async def snapshots_since(self, version: int) -> list[dict[str, Any]]:
        """Rankings published after a version, oldest first."""
        rows = await self.conn.fetch(
            "SELECT regency_code, period, level, version, computed_at"
            " FROM ranking_snapshots WHERE version > $1 ORDER BY version",
            version,
        )
        return [dict(r) for r in rows]

    async def lock_publisher(self, name: str = "publisher") -> bool:
        """Take a publisher's lock for this transaction; False if another replica holds it."""
        return bool(
            await self.conn.fetchval(
                "SELECT pg_try_advisory_xact_lock(hashtext('monitoring:' || $1))", name
            )
        )
