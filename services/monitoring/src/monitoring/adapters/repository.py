"""asyncpg queries of the monitoring schema."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from monitoring.domain.measures import ComplaintFact, ReferralFact
from slrt_shared.unit_of_work import PgUnitOfWork


class MonitoringUnitOfWork(PgUnitOfWork):
    """A transaction on the monitoring schema with its queries."""

    async def add_complaint(self, row: dict[str, Any]) -> None:
        """Record a complaint fact once."""
        await self.conn.execute(
            "INSERT INTO complaint_facts (complaint_id, village_code, kecamatan_code,"
            " regency_code, needs, channel, received_at, recorded_at)"
            " VALUES ($1,$2,$3,$4,$5,$6,$7,$8) ON CONFLICT (complaint_id) DO NOTHING",
            row["complaint_id"],
            row["village_code"],
            row["kecamatan_code"],
            row["regency_code"],
            row["needs"],
            row["channel"],
            row["received_at"],
            row["recorded_at"],
        )

    async def close_complaint(self, complaint_id: UUID, closed_at: datetime) -> None:
        """Record when a complaint closed."""
        await self.conn.execute(
            "UPDATE complaint_facts SET closed_at = $2 WHERE complaint_id = $1",
            complaint_id,
            closed_at,
        )

    async def upsert_referral(self, referral_id: UUID, complaint_id: UUID, **fields: Any) -> None:
        """Create or update a referral fact with the given columns."""
        names = list(fields)
        columns = ", ".join(["referral_id", "complaint_id", *names])
        values = ", ".join(f"${i}" for i in range(1, len(names) + 3))
        updates = (
            ", ".join(f"{n} = EXCLUDED.{n}" for n in names)
            or "complaint_id = EXCLUDED.complaint_id"
        )
        await self.conn.execute(
            f"INSERT INTO referral_facts ({columns}) VALUES ({values})"
            f" ON CONFLICT (referral_id) DO UPDATE SET {updates}",
            referral_id,
            complaint_id,
            *fields.values(),
        )

    async def escalate(self, referral_id: UUID, complaint_id: UUID) -> None:
        """Count an escalation."""
        await self.conn.execute(
            "INSERT INTO referral_facts (referral_id, complaint_id, escalations) VALUES ($1,$2,1)"
            " ON CONFLICT (referral_id) DO UPDATE SET"
            " escalations = referral_facts.escalations + 1",
            referral_id,
            complaint_id,
        )

    async def region(self, code: str) -> dict[str, Any] | None:
        """A region by code."""
        row = await self.conn.fetchrow("SELECT * FROM regions WHERE code = $1", code)
        return dict(row) if row else None

    async def villages(self, regency: str) -> list[dict[str, Any]]:
        """Villages of a regency."""
        rows = await self.conn.fetch(
            "SELECT code, name, parent_code FROM regions WHERE level = 'village'"
            " AND code LIKE $1 ORDER BY code",
            f"{regency}.%",
        )
        return [dict(r) for r in rows]

    async def kecamatan(self, regency: str) -> list[dict[str, Any]]:
        """Kecamatan of a regency."""
        rows = await self.conn.fetch(
            "SELECT code, name, parent_code FROM regions WHERE level = 'district'"
            " AND code LIKE $1 ORDER BY code",
            f"{regency}.%",
        )
        return [dict(r) for r in rows]

    async def complaint_facts(
        self, regency: str, start: datetime | None, end: datetime | None
    ) -> list[tuple[str, ComplaintFact]]:
        """Complaints received in a regency within [start, end)."""
        rows = await self.conn.fetch(
            "SELECT village_code, received_at, closed_at FROM complaint_facts"
            " WHERE regency_code = $1 AND ($2::timestamptz IS NULL OR received_at >= $2)"
            " AND ($3::timestamptz IS NULL OR received_at < $3)",
            regency,
            start,
            end,
        )
        return [
            (r["village_code"], ComplaintFact(r["village_code"], r["received_at"], r["closed_at"]))
            for r in rows
        ]

    async def referral_facts(
        self, regency: str, start: datetime | None, end: datetime | None
    ) -> list[tuple[str, ReferralFact]]:
        """Referrals of the complaints received in a regency within [start, end)."""
        rows = await self.conn.fetch(
            "SELECT c.village_code, r.due_at, r.resolved_at, r.escalations"
            " FROM referral_facts r JOIN complaint_facts c USING (complaint_id)"
            " WHERE c.regency_code = $1 AND ($2::timestamptz IS NULL OR c.received_at >= $2)"
            " AND ($3::timestamptz IS NULL OR c.received_at < $3)",
            regency,
            start,
            end,
        )
        return [
            (r["village_code"], ReferralFact(r["due_at"], r["resolved_at"], r["escalations"]))
            for r in rows
        ]
