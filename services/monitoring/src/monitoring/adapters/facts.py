"""Writes of the projections: the complaint and referral facts the events tell of."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg

from slrt_shared.unit_of_work import PgUnitOfWork

# Everything `rebuild` replays from the events.
PROJECTIONS = (
    "complaint_facts",
    "referral_facts",
    "village_months",
    "village_month_stale",
    "ranking_snapshots",
    "complaint_verdicts",
    "complaint_reopenings",
    "programme_facilitators",
    "programme_targets",
    "programme_graduations",
    "data_proposals",
    "referral_rejections",
    "inbox",
)


async def reset_projections(pool: asyncpg.Pool) -> None:
    """Empty every projection, before the events are replayed into them."""
    await pool.execute(f"TRUNCATE {', '.join(PROJECTIONS)}")


class FactWrites(PgUnitOfWork):
    """Upserts of `complaint_facts` and `referral_facts`, whatever order the events come in."""

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
        self,
        complaint_id: UUID,
        village_code: str,
        kecamatan_code: str,
        regency_code: str,
        closed_at: datetime,
    ) -> None:
        """Record when a complaint closed, even before its creation is seen."""
        await self.conn.execute(
            "INSERT INTO complaint_facts (complaint_id, village_code, kecamatan_code,"
            " regency_code, closed_at) VALUES ($1, $2, $3, $4, $5)"
            " ON CONFLICT (complaint_id) DO UPDATE SET closed_at = EXCLUDED.closed_at",
            complaint_id,
            village_code,
            kecamatan_code,
            regency_code,
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
