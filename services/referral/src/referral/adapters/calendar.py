"""asyncpg queries of the stored holiday calendar, on the caller's connection and transaction."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import asyncpg

from referral.domain.holidays import (
    AuditAction,
    AuditedEntity,
    AuditEntry,
    CompleteYear,
    Holiday,
    StoredHoliday,
)


class PgCalendarStore:
    """The calendar tables of the referral schema."""

    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn

    async def version(self) -> int:
        """A number that changes with every committed change to the calendar."""
        return int(await self.conn.fetchval("SELECT version FROM calendar_version"))

    async def holidays(self, year: int | None = None) -> list[StoredHoliday]:
        """Every entry (of one year), by date."""
        rows = await self.conn.fetch(
            "SELECT * FROM holidays WHERE $1::int IS NULL"
            " OR day BETWEEN make_date($1, 1, 1) AND make_date($1, 12, 31) ORDER BY day",
            year,
        )
        return [_holiday(r) for r in rows]

    async def holiday(self, day: date, *, for_update: bool = False) -> StoredHoliday | None:
        """The entry of a date."""
        lock = " FOR UPDATE" if for_update else ""
        row = await self.conn.fetchrow(f"SELECT * FROM holidays WHERE day = $1{lock}", day)
        return _holiday(row) if row else None

    async def insert(self, entry: Holiday, by: str) -> bool:
        """Store a new entry; False if its date has one already."""
        inserted = await self.conn.fetchval(
            "INSERT INTO holidays (day, kind, name, source, added_by) VALUES ($1, $2, $3, $4, $5)"
            " ON CONFLICT (day) DO NOTHING RETURNING true",
            entry.day,
            entry.kind,
            entry.name,
            entry.source,
            by,
        )
        return bool(inserted)

    async def update(self, entry: Holiday, by: str) -> None:
        """Replace the entry of a date."""
        await self.conn.execute(
            "UPDATE holidays SET kind = $2, name = $3, source = $4, updated_by = $5,"
            " updated_at = now() WHERE day = $1",
            entry.day,
            entry.kind,
            entry.name,
            entry.source,
            by,
        )

    async def delete(self, day: date) -> None:
        """Remove the entry of a date."""
        await self.conn.execute("DELETE FROM holidays WHERE day = $1", day)

    async def years(self) -> list[CompleteYear]:
        """Every complete year, in order."""
        rows = await self.conn.fetch("SELECT * FROM calendar_years ORDER BY year")
        return [CompleteYear(**dict(r)) for r in rows]

    async def year(self, year: int, *, for_update: bool = False) -> CompleteYear | None:
        """A year's completion, if it is complete."""
        lock = " FOR UPDATE" if for_update else ""
        row = await self.conn.fetchrow(f"SELECT * FROM calendar_years WHERE year = $1{lock}", year)
        return CompleteYear(**dict(row)) if row else None

    async def complete(self, year: int, decree: str, by: str) -> None:
        """Mark a year complete (or record another decree for it)."""
        await self.conn.execute(
            "INSERT INTO calendar_years (year, decree, completed_by) VALUES ($1, $2, $3)"
            " ON CONFLICT (year) DO UPDATE SET decree = EXCLUDED.decree,"
            " completed_by = EXCLUDED.completed_by, completed_at = now()",
            year,
            decree,
            by,
        )

    async def reopen(self, year: int) -> None:
        """Mark a year not complete."""
        await self.conn.execute("DELETE FROM calendar_years WHERE year = $1", year)

    async def audit(
        self,
        entity: AuditedEntity,
        subject: str,
        action: AuditAction,
        before: dict[str, Any] | None,
        after: dict[str, Any] | None,
        by: str,
        via: str,
    ) -> None:
        """Record a change and move the calendar's version on."""
        await self.conn.execute(
            "INSERT INTO calendar_audit (entity, subject, action, before, after, by, via)"
            " VALUES ($1, $2, $3, $4::jsonb, $5::jsonb, $6, $7)",
            entity,
            subject,
            action,
            None if before is None else json.dumps(before, ensure_ascii=False),
            None if after is None else json.dumps(after, ensure_ascii=False),
            by,
            via,
        )
        await self.conn.execute("UPDATE calendar_version SET version = version + 1")

    async def audit_log(self, limit: int, before_id: int | None = None) -> list[AuditEntry]:
        """The changes, newest first."""
        rows = await self.conn.fetch(
            "SELECT * FROM calendar_audit WHERE $2::bigint IS NULL OR id < $2"
            " ORDER BY id DESC LIMIT $1",
            limit,
            before_id,
        )
        return [
            AuditEntry(
                id=r["id"],
                entity=r["entity"],
                subject=r["subject"],
                action=r["action"],
                before=None if r["before"] is None else json.loads(r["before"]),
                after=None if r["after"] is None else json.loads(r["after"]),
                by=r["by"],
                via=r["via"],
                at=r["at"],
            )
            for r in rows
        ]

    async def touched(self, entity: AuditedEntity) -> set[str]:
        """Subjects (dates or years) with any recorded change."""
        rows = await self.conn.fetch(
            "SELECT DISTINCT subject FROM calendar_audit WHERE entity = $1", entity
        )
        return {r["subject"] for r in rows}


def _holiday(row: asyncpg.Record) -> StoredHoliday:
    return StoredHoliday(
        Holiday(row["day"], row["kind"], row["name"], row["source"]),
        added_by=row["added_by"],
        added_at=row["added_at"],
        updated_by=row["updated_by"],
        updated_at=row["updated_at"],
    )
