"""The stored country-wide ranking, read a page at a time."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import asyncpg

from slrt_shared.unit_of_work import PgUnitOfWork


class NationalStore(PgUnitOfWork):
    """`national_rankings` (a head per period and level) and its `national_ranking_rows`."""

    async def save_national(
        self,
        period: str,
        level: str,
        summary: dict[str, Any],
        rows: list[dict[str, Any]],
        computed_at: datetime,
    ) -> None:
        """Replace the stored country-wide ranking of a period and level."""
        await self.conn.execute(
            "DELETE FROM national_ranking_rows WHERE period = $1 AND level = $2", period, level
        )
        await self.conn.copy_records_to_table(
            "national_ranking_rows",
            records=[
                (period, level, i, row["code"], json.dumps(row, default=str))
                for i, row in enumerate(rows)
            ],
            columns=["period", "level", "position", "code", "row"],
        )
        await self._save_head(period, level, summary, len(rows), computed_at)

    async def update_national(
        self,
        period: str,
        level: str,
        summary: dict[str, Any],
        changed: list[tuple[int, dict[str, Any]]],
        total: int,
        computed_at: datetime,
    ) -> None:
        """Rewrite only the given (position, row) pairs of a stored ranking, and its head."""
        await self.conn.execute(
            "INSERT INTO national_ranking_rows (period, level, position, code, row)"
            " SELECT $1, $2, p, c, r FROM unnest($3::int[], $4::text[], $5::jsonb[]) AS u(p, c, r)"
            " ON CONFLICT (period, level, position) DO UPDATE SET code = EXCLUDED.code,"
            " row = EXCLUDED.row",
            period,
            level,
            [position for position, _ in changed],
            [row["code"] for _, row in changed],
            [json.dumps(row, default=str) for _, row in changed],
        )
        await self.conn.execute(
            "DELETE FROM national_ranking_rows WHERE period = $1 AND level = $2 AND position >= $3",
            period,
            level,
            total,
        )
        await self._save_head(period, level, summary, total, computed_at)

    async def _head(self, period: str, level: str) -> asyncpg.Record | None:
        """A stored ranking's summary, row count and time."""
        return await self.conn.fetchrow(
            "SELECT summary, total, computed_at FROM national_rankings"
            " WHERE period = $1 AND level = $2",
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
    ) -> None:
        """Write a stored ranking's summary, row count and time."""
        await self.conn.execute(
            "INSERT INTO national_rankings (period, level, summary, total, computed_at)"
            " VALUES ($1, $2, $3::jsonb, $4, $5) ON CONFLICT (period, level) DO UPDATE SET"
            " summary = EXCLUDED.summary, total = EXCLUDED.total,"
            " computed_at = EXCLUDED.computed_at",
            period,
            level,
            json.dumps(summary, default=str),
            total,
            computed_at,
        )

    async def national_encoded(
        self, period: str, level: str
    ) -> tuple[dict[str, Any], list[str]] | None:
        """The whole stored country-wide ranking with each row as stored JSON text."""
        head = await self._head(period, level)
        if head is None:
            return None
        rows = await self.conn.fetch(
            "SELECT row::text AS row FROM national_ranking_rows"
            " WHERE period = $1 AND level = $2 ORDER BY position",
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
        """A page of the stored country-wide ranking (rows whose code starts with `prefix`)."""
        head = await self._head(period, level)
        if head is None:
            return None
        where = "period = $1 AND level = $2"
        args: list[Any] = [period, level, limit, offset]
        if prefix:
            where += " AND code LIKE $5"
            args.append(prefix + ".%")
        rows = await self.conn.fetch(
            f"SELECT row::text AS row FROM national_ranking_rows WHERE {where}"
            " ORDER BY position LIMIT $3 OFFSET $4",
            *args,
        )
        total = head["total"]
        if prefix:
            total = await self.conn.fetchval(
                "SELECT count(*) FROM national_ranking_rows"
                " WHERE period = $1 AND level = $2 AND code LIKE $3",
                period,
                level,
                prefix + ".%",
            )
        header = {
            "summary": json.loads(head["summary"]),
            "total": total,
            "computed_at": head["computed_at"],
        }
        return header, [json.loads(r["row"]) for r in rows]
