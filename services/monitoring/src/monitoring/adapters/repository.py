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
        """Record a complaint fact once, keeping a closing seen before it."""
        await self.conn.execute(
            "INSERT INTO complaint_facts (complaint_id, village_code, kecamatan_code,"
            " regency_code, needs, channel, received_at, recorded_at)"
            " VALUES ($1,$2,$3,$4,$5,$6,$7,$8) ON CONFLICT (complaint_id) DO UPDATE SET"
            " needs = EXCLUDED.needs, channel = EXCLUDED.channel,"
            " received_at = EXCLUDED.received_at, recorded_at = EXCLUDED.recorded_at",
            row["complaint_id"],
            row["village_code"],
            row["kecamatan_code"],
            row["regency_code"],
            row["needs"],
            row["channel"],
            row["received_at"],
            row["recorded_at"],
        )

    async def close_complaint(
        self, complaint_id: UUID, village_code: str, closed_at: datetime
    ) -> None:
        """Record when a complaint closed, even before its creation is seen."""
        parts = village_code.split(".")
        await self.conn.execute(
            "INSERT INTO complaint_facts (complaint_id, village_code, kecamatan_code,"
            " regency_code, closed_at) VALUES ($1, $2, $3, $4, $5)"
            " ON CONFLICT (complaint_id) DO UPDATE SET closed_at = EXCLUDED.closed_at",
            complaint_id,
            village_code,
            ".".join(parts[:3]),
            ".".join(parts[:2]),
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
        self, regency: str, start: datetime | None, end: datetime | None, level: str
    ) -> list[ComplaintFact]:
        """Complaints received in a regency within [start, end), by village or kecamatan."""
        area = "village_code" if level == "village" else "kecamatan_code"
        rows = await self.conn.fetch(
            f"SELECT {area} AS area, received_at, recorded_at, closed_at FROM complaint_facts"
            " WHERE regency_code = $1 AND received_at IS NOT NULL"
            " AND ($2::timestamptz IS NULL OR received_at >= $2)"
            " AND ($3::timestamptz IS NULL OR received_at < $3)",
            regency,
            start,
            end,
        )
        return [
            ComplaintFact(r["area"], r["received_at"], r["recorded_at"], r["closed_at"])
            for r in rows
        ]

    async def referral_facts(
        self, regency: str, start: datetime | None, end: datetime | None, level: str
    ) -> list[ReferralFact]:
        """Referrals of the complaints received in a regency within [start, end)."""
        area = {"village": "c.village_code", "kecamatan": "c.kecamatan_code"}.get(
            level, "r.agency_code"
        )
        moment = "c.received_at" if level != "agency" else "r.dispatched_at"
        rows = await self.conn.fetch(
            f"SELECT {area} AS area, r.agency_code, r.attempt, r.dispatched_at, r.due_at,"
            " r.acknowledged_at, r.resolved_at, r.rejected, r.escalations"
            " FROM referral_facts r JOIN complaint_facts c USING (complaint_id)"
            " WHERE c.regency_code = $1 AND c.received_at IS NOT NULL"
            f" AND ($2::timestamptz IS NULL OR {moment} >= $2)"
            f" AND ($3::timestamptz IS NULL OR {moment} < $3)",
            regency,
            start,
            end,
        )
        return [
            ReferralFact(
                r["area"],
                r["agency_code"],
                r["attempt"],
                r["dispatched_at"],
                r["due_at"],
                r["acknowledged_at"],
                r["resolved_at"],
                r["rejected"],
                r["escalations"],
            )
            for r in rows
        ]

    async def snapshot(self, regency: str, period: str, level: str) -> dict[str, Any] | None:
        """The last published ranking."""
        row = await self.conn.fetchrow(
            "SELECT * FROM ranking_snapshots WHERE regency_code = $1 AND period = $2"
            " AND level = $3",
            regency,
            period,
            level,
        )
        return dict(row) if row else None

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

    async def latest_version(self) -> int:
        """The newest snapshot version (0 if none)."""
        return int(
            await self.conn.fetchval("SELECT COALESCE(max(version), 0) FROM ranking_snapshots")
        )

    async def agencies_seen(self) -> list[str]:
        """Agencies that received referrals."""
        rows = await self.conn.fetch(
            "SELECT DISTINCT agency_code FROM referral_facts WHERE agency_code IS NOT NULL"
        )
        return sorted(r["agency_code"] for r in rows)
