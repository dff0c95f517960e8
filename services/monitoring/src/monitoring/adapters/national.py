"""The stored country-wide ranking: kept by area, numbered along its order when read."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import asyncpg

from monitoring.domain.archive import StoredMonth
from monitoring.domain.ranking import RANKED, Place
from slrt_shared.unit_of_work import PgUnitOfWork

# The ranking's order (`Place.order_key`), which the index `national_ranking_areas_order` keeps.
ORDER = "place, score DESC, received DESC, code"
# A row as served: the stored row with its rank, the row's number along the order when ranked
# (the ranked areas come first).
SERVED_ROW = (
    f"(row || jsonb_build_object('rank', CASE WHEN place = {RANKED} THEN row_number() OVER"
    f" (ORDER BY {ORDER}) END))"
)


def _records(
    areas: list[tuple[Place, dict[str, Any]]],
) -> tuple[list[str], list[int], list[float], list[int], list[str]]:
    """The columns of some areas' stored rows."""
    return (
        [row["code"] for _, row in areas],
        [place.group for place, _ in areas],
        [place.score or 0.0 for place, _ in areas],
        [place.received for place, _ in areas],
        [json.dumps(row, default=str) for _, row in areas],
    )


class NationalStore(PgUnitOfWork):
    """`national_rankings` (a head per period and level) and its `national_ranking_areas`."""

    async def save_national(
        self,
        period: str,
        level: str,
        summary: dict[str, Any],
        areas: list[tuple[Place, dict[str, Any]]],
        computed_at: datetime,
        built_changes: int | None = None,
    ) -> None:
        """Replace the stored country-wide ranking of a period and level (rows without rank).

        `built_changes`: the month's change count it was built from (kept as it was if None).
        """
        await self.conn.execute(
            "DELETE FROM national_ranking_areas WHERE period = $1 AND level = $2", period, level
        )
        codes, groups, scores, received, rows = _records(areas)
        await self.conn.copy_records_to_table(
            "national_ranking_areas",
            records=[
                (period, level, c, g, s, n, r)
                for c, g, s, n, r in zip(codes, groups, scores, received, rows, strict=True)
            ],
            columns=["period", "level", "code", "place", "score", "received", "row"],
        )
        await self._save_head(period, level, summary, len(areas), computed_at, built_changes)

    async def update_national(
        self,
        period: str,
        level: str,
        summary: dict[str, Any],
        changed: list[tuple[Place, dict[str, Any]]],
        removed: list[str],
        total: int,
        computed_at: datetime,
    ) -> None:
        """Rewrite only the given areas' rows of a stored ranking, drop `removed`, save its head."""
        if changed:
            codes, groups, scores, received, rows = _records(changed)
            await self.conn.execute(
                "INSERT INTO national_ranking_areas"
                " (period, level, code, place, score, received, row)"
                " SELECT $1, $2, c, g, s, n, r FROM unnest($3::text[], $4::smallint[],"
                " $5::float8[], $6::int[], $7::jsonb[]) AS u(c, g, s, n, r)"
                " ON CONFLICT (period, level, code) DO UPDATE SET place = EXCLUDED.place,"
                " score = EXCLUDED.score, received = EXCLUDED.received, row = EXCLUDED.row",
                period,
                level,
                codes,
                groups,
                scores,
                received,
                rows,
            )
        if removed:
            await self.conn.execute(
                "DELETE FROM national_ranking_areas WHERE period = $1 AND level = $2"
                " AND code = ANY($3::text[])",
                period,
                level,
                removed,
            )
        await self._save_head(period, level, summary, total, computed_at)

    async def drop_national(self, periods: list[str]) -> None:
        """Forget the stored country-wide rankings of some periods."""
        await self.conn.execute(
            "DELETE FROM national_ranking_areas WHERE period = ANY($1::text[])", periods
        )
        await self.conn.execute(
            "DELETE FROM national_rankings WHERE period = ANY($1::text[])", periods
        )
        await self.conn.execute(
            "DELETE FROM national_month_changes WHERE period = ANY($1::text[])", periods
        )

    async def note_month_changes(self, periods: list[str]) -> None:
        """Count one more change of each of these months' village-months."""
        await self.conn.execute(
            "INSERT INTO national_month_changes (period, changes) SELECT p, 1"
            " FROM unnest($1::text[]) AS p ON CONFLICT (period)"
            " DO UPDATE SET changes = national_month_changes.changes + 1",
            periods,
        )

    async def month_changes(self, periods: list[str]) -> dict[str, int]:
        """How many changes of each of these months' village-months were counted (none: 0)."""
        rows = await self.conn.fetch(
            "SELECT period, changes FROM national_month_changes WHERE period = ANY($1::text[])",
            periods,
        )
        return {r["period"]: r["changes"] for r in rows}

    async def national_builds(self, periods: list[str]) -> dict[str, StoredMonth]:
        """Of these months, those stored country-wide: levels, oldest build, its change count."""
        rows = await self.conn.fetch(
            "SELECT period, count(*) AS levels, min(computed_at) AS computed_at,"
            " min(built_changes) AS built_changes FROM national_rankings"
            " WHERE by_area AND period = ANY($1::text[]) GROUP BY period",
            periods,
        )
        return {
            r["period"]: StoredMonth(r["levels"], r["computed_at"], r["built_changes"])
            for r in rows
        }

    async def national_periods(self) -> list[str]:
        """The periods of which a country-wide ranking is stored."""
        rows = await self.conn.fetch("SELECT DISTINCT period FROM national_rankings")
        return sorted(r["period"] for r in rows)

    async def _head(self, period: str, level: str) -> asyncpg.Record | None:
        """A stored ranking's summary, row count and time."""
        return await self.conn.fetchrow(
            "SELECT summary, total, computed_at FROM national_rankings"
            " WHERE period = $1 AND level = $2 AND by_area",
            period,
            level,
        )

    async def _save_head(
        self,
        period: str,
        level: str,
        summary: dict[str, Any],
        total: int,
        computed_at: datetime,
        built_changes: int | None = None,
    ) -> None:
        """Write a stored ranking's summary, row count, time (and the changes it was built from)."""
        await self.conn.execute(
            "INSERT INTO national_rankings"
            " (period, level, summary, total, computed_at, by_area, built_changes)"
            " VALUES ($1, $2, $3::jsonb, $4, $5, true, coalesce($6, 0))"
            " ON CONFLICT (period, level) DO UPDATE SET"
            " summary = EXCLUDED.summary, total = EXCLUDED.total,"
            " computed_at = EXCLUDED.computed_at, by_area = true,"
            " built_changes = coalesce($6, national_rankings.built_changes)",
            period,
            level,
            json.dumps(summary, default=str),
            total,
            computed_at,
            built_changes,
        )

    async def national_encoded(
        self, period: str, level: str
    ) -> tuple[dict[str, Any], list[str]] | None:
        """The whole stored country-wide ranking with each row as JSON text."""
        head = await self._head(period, level)
        if head is None:
            return None
        rows = await self.conn.fetch(
            f"SELECT {SERVED_ROW}::text AS row FROM national_ranking_areas"
            f" WHERE period = $1 AND level = $2 ORDER BY {ORDER}",
            period,
            level,
        )
        header = {
            "summary": json.loads(head["summary"]),
            "total": head["total"],
            "computed_at": head["computed_at"],
        }
        return header, [r["row"] for r in rows]

    async def national(
        self, period: str, level: str, prefix: str | None, limit: int | None, offset: int
    ) -> tuple[dict[str, Any], list[dict[str, Any]]] | None:
        """A page of the stored country-wide ranking (rows whose code starts with `prefix`).

        A row's rank is its place in the whole country's order, whatever the prefix.
        """
        head = await self._head(period, level)
        if head is None:
            return None
        total = head["total"]
        if prefix:
            # Every area numbered along the index (read from it alone), then the prefix's kept.
            rows = await self.conn.fetch(
                "SELECT (a.row || jsonb_build_object('rank', CASE WHEN o.place = $6"
                " THEN o.n END))::text AS row FROM (SELECT code, place,"
                f" row_number() OVER (ORDER BY {ORDER}) AS n FROM national_ranking_areas"
                " WHERE period = $1 AND level = $2) o JOIN national_ranking_areas a"
                " ON a.period = $1 AND a.level = $2 AND a.code = o.code"
                " WHERE o.code LIKE $5 ORDER BY o.n LIMIT $3 OFFSET $4",
                period,
                level,
                limit,
                offset,
                prefix + ".%",
                RANKED,
            )
            total = await self.conn.fetchval(
                "SELECT count(*) FROM national_ranking_areas"
                " WHERE period = $1 AND level = $2 AND code LIKE $3",
                period,
                level,
                prefix + ".%",
            )
        else:
            rows = await self.conn.fetch(
                f"SELECT {SERVED_ROW}::text AS row FROM national_ranking_areas"
                f" WHERE period = $1 AND level = $2 ORDER BY {ORDER} LIMIT $3 OFFSET $4",
                period,
                level,
                limit,
                offset,
            )
        header = {
            "summary": json.loads(head["summary"]),
            "total": total,
            "computed_at": head["computed_at"],
        }
        return header, [json.loads(r["row"]) for r in rows]
