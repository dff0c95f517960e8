"""asyncpg queries of PKH facilitators, targets and graduation proposals (intake schema)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg

from intake.domain.programmes import Facilitator, Proposal, Target


def _facilitator(row: asyncpg.Record) -> Facilitator:
    return Facilitator(
        row["code"], row["name"], row["regency_code"], tuple(row["village_codes"]), row["active"]
    )


class ProgrammeQueries:
    """Queries of the PKH programme's data (mixed into IntakeUnitOfWork)."""

    @property
    def conn(self) -> asyncpg.Connection:
        """The connection of the open transaction (the unit of work's)."""
        raise NotImplementedError

    async def facilitator(self, code: str) -> Facilitator | None:
        """A facilitator by code."""
        row = await self.conn.fetchrow("SELECT * FROM facilitators WHERE code = $1", code)
        return _facilitator(row) if row else None

    async def facilitators(self, regency_code: str) -> list[Facilitator]:
        """A regency's facilitators by code."""
        rows = await self.conn.fetch(
            "SELECT * FROM facilitators WHERE regency_code = $1 ORDER BY code", regency_code
        )
        return [_facilitator(r) for r in rows]

    async def save_facilitator(self, f: Facilitator) -> datetime | None:
        """Add a facilitator or change one (its regency stays the one it was registered in),
        stamped as announced; when it was saved (None: registered in another regency)."""
        at: datetime | None = await self.conn.fetchval(
            "INSERT INTO facilitators (code, name, regency_code, village_codes, active,"
            " announced_at) VALUES ($1, $2, $3, $4, $5, now()) ON CONFLICT (code) DO UPDATE"
            " SET name = $2, village_codes = $4, active = $5, updated_at = now(),"
            " announced_at = now() WHERE facilitators.regency_code = $3 RETURNING updated_at",
            f.code,
            f.name,
            f.regency_code,
            list(f.village_codes),
            f.active,
        )
        return at

    async def save_target(self, t: Target) -> datetime:
        """Set a regency's target of a year (a new one replaces the old), stamped as
        announced; when it was set."""
        at: datetime = await self.conn.fetchval(
            "INSERT INTO programme_targets (regency_code, year, district_total, per_facilitator,"
            " announced_at) VALUES ($1, $2, $3, $4, now()) ON CONFLICT (regency_code, year)"
            " DO UPDATE SET district_total = $3, per_facilitator = $4, updated_at = now(),"
            " announced_at = now() RETURNING updated_at",
            t.regency_code,
            t.year,
            t.district_total,
            t.per_facilitator,
        )
        return at

    async def unannounced_registries(
        self, limit: int
    ) -> tuple[list[tuple[Facilitator, datetime]], list[tuple[Target, datetime]]]:
        """Facilitators and targets whose last change is not announced, locked (rows another
        transaction holds are skipped: it announces them), each with when it changed."""
        people = await self.conn.fetch(
            "SELECT * FROM facilitators WHERE announced_at IS DISTINCT FROM updated_at"
            " ORDER BY code LIMIT $1 FOR UPDATE SKIP LOCKED",
            limit,
        )
        goals = await self.conn.fetch(
            "SELECT regency_code, year, district_total, per_facilitator, updated_at"
            " FROM programme_targets WHERE announced_at IS DISTINCT FROM updated_at"
            " ORDER BY regency_code, year LIMIT $1 FOR UPDATE SKIP LOCKED",
            limit,
        )
        return (
            [(_facilitator(r), r["updated_at"]) for r in people],
            [
                (
                    Target(r["regency_code"], r["year"], r["district_total"], r["per_facilitator"]),
                    r["updated_at"],
                )
                for r in goals
            ],
        )

    async def mark_announced(self, codes: list[str], targets: list[tuple[str, int]]) -> None:
        """Stamp facilitators and targets (regency, year) as announced as they stand."""
        await self.conn.execute(
            "UPDATE facilitators SET announced_at = updated_at WHERE code = ANY($1::text[])",
            codes,
        )
        await self.conn.execute(
            "UPDATE programme_targets t SET announced_at = updated_at"
            " FROM unnest($1::text[], $2::int[]) AS w(regency_code, year)"
            " WHERE t.regency_code = w.regency_code AND t.year = w.year",
            [r for r, _ in targets],
            [y for _, y in targets],
        )

    async def target(self, regency_code: str, year: int) -> Target | None:
        """A regency's target of a year."""
        row = await self.conn.fetchrow(
            "SELECT regency_code, year, district_total, per_facilitator FROM programme_targets"
            " WHERE regency_code = $1 AND year = $2",
            regency_code,
            year,
        )
        return Target(**dict(row)) if row else None

    async def targets(self, regency_code: str) -> list[Target]:
        """A regency's targets, newest year first."""
        rows = await self.conn.fetch(
            "SELECT regency_code, year, district_total, per_facilitator FROM programme_targets"
            " WHERE regency_code = $1 ORDER BY year DESC",
            regency_code,
        )
        return [Target(**dict(r)) for r in rows]

    async def record_programme_change(
        self, *, action: str, subject: str, changed_by: str, via: str, detail: dict[str, Any]
    ) -> None:
        """Log a change of the programme's reference data."""
        await self.conn.execute(
            "INSERT INTO programme_changes (action, subject, changed_by, via, detail)"
            " VALUES ($1, $2, $3, $4, $5)",
            action,
            subject,
            changed_by,
            via,
            json.dumps(detail),
        )

    async def programme_changes(self, limit: int) -> list[dict[str, Any]]:
        """The latest changes of the programme's reference data, newest first."""
        rows = await self.conn.fetch(
            "SELECT action, subject, changed_by, via, detail, at FROM programme_changes"
            " ORDER BY id DESC LIMIT $1",
            limit,
        )
        return [dict(r) | {"detail": json.loads(r["detail"])} for r in rows]

    async def household_state(self, household_hash: str) -> str | None:
        """`confirmed` or `open` when the household has such a proposal, else None."""
        state: str | None = await self.conn.fetchval(
            "SELECT state FROM graduations WHERE household_hash = $1"
            " AND state IN ('open', 'confirmed') ORDER BY state = 'confirmed' DESC LIMIT 1",
            household_hash,
        )
        return state

    async def save_graduation(
        self,
        complaint_id: UUID,
        household_hash: str,
        proposal: Proposal,
        regency_code: str,
        at: datetime,
    ) -> bool:
        """Save a proposal and its household's KK number (with the head's data); False, saving
        nothing, when the household has an open or confirmed proposal already."""
        saved: bool = await self.conn.fetchval(
            "WITH g AS (INSERT INTO graduations (complaint_id, household_hash, facilitator_code,"
            " kind, village_code, regency_code, proposed_at) VALUES ($1, $2, $3, $4, $5, $6, $7)"
            " ON CONFLICT (household_hash) WHERE state IN ('open', 'confirmed') DO NOTHING"
            " RETURNING complaint_id), kk AS (UPDATE residents SET kk_number = $8"
            " WHERE complaint_id = (SELECT complaint_id FROM g))"
            " SELECT EXISTS (SELECT 1 FROM g)",
            complaint_id,
            household_hash,
            proposal.facilitator_code,
            proposal.kind,
            proposal.village_code,
            regency_code,
            at,
            proposal.kk_number,
        )
        return saved

    async def confirmed_per_facilitator(
        self, regency_code: str, start: datetime, end: datetime
    ) -> dict[str, int]:
        """Graduations confirmed in [start, end) per facilitator of a regency."""
        rows = await self.conn.fetch(
            "SELECT facilitator_code, count(*) AS n FROM graduations WHERE regency_code = $1"
            " AND state = 'confirmed' AND decided_at >= $2 AND decided_at < $3"
            " GROUP BY facilitator_code",
            regency_code,
            start,
            end,
        )
        return {r["facilitator_code"]: r["n"] for r in rows}
