"""The programmes' projections: facilitators, targets, graduations and DTSEN proposals."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from monitoring.domain.programmes import Graduation, Proposal, StageStep, Target, proposals_of
from slrt_shared.unit_of_work import PgUnitOfWork


class ProgrammeStore(PgUnitOfWork):
    """Writes and reads of `programme_*` and `data_proposals` (with their stage referrals)."""

    async def save_facilitator(
        self, code: str, regency_code: str, village_codes: list[str], active: bool, at: datetime
    ) -> None:
        """Keep a facilitator as its last record says (no name: monitoring never shows one)."""
        await self.conn.execute(
            "INSERT INTO programme_facilitators (code, regency_code, village_codes, active, at)"
            " VALUES ($1, $2, $3, $4, $5) ON CONFLICT (code) DO UPDATE SET"
            " regency_code = EXCLUDED.regency_code, village_codes = EXCLUDED.village_codes,"
            " active = EXCLUDED.active, at = EXCLUDED.at",
            code,
            regency_code,
            village_codes,
            active,
            at,
        )

    async def save_target(
        self, regency_code: str, year: int, district_total: int, per_facilitator: int, at: datetime
    ) -> None:
        """Keep a regency's target of a year as its last record says."""
        await self.conn.execute(
            "INSERT INTO programme_targets (regency_code, year, district_total, per_facilitator,"
            " at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (regency_code, year) DO UPDATE SET"
            " district_total = EXCLUDED.district_total,"
            " per_facilitator = EXCLUDED.per_facilitator, at = EXCLUDED.at",
            regency_code,
            year,
            district_total,
            per_facilitator,
            at,
        )

    async def save_graduation(self, row: dict[str, Any]) -> None:
        """Keep a graduation's decision; a confirmed one is final, a refused one may change."""
        await self.conn.execute(
            "INSERT INTO programme_graduations (complaint_id, village_code, kecamatan_code,"
            " regency_code, facilitator_code, graduation_kind, decision, reason_code,"
            " proposed_at, decided_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10)"
            " ON CONFLICT (complaint_id) DO UPDATE SET facilitator_code ="
            " EXCLUDED.facilitator_code, graduation_kind = EXCLUDED.graduation_kind,"
            " decision = EXCLUDED.decision, reason_code = EXCLUDED.reason_code,"
            " proposed_at = EXCLUDED.proposed_at, decided_at = EXCLUDED.decided_at"
            " WHERE programme_graduations.decision <> 'confirmed'",
            row["complaint_id"],
            row["village_code"],
            row["kecamatan_code"],
            row["regency_code"],
            row["facilitator_code"],
            row["graduation_kind"],
            row["decision"],
            row["reason_code"],
            row["proposed_at"],
            row["decided_at"],
        )

    async def add_data_proposal(self, row: dict[str, Any]) -> None:
        """Record a DTSEN data proposal once (a redelivered creation changes nothing)."""
        await self.conn.execute(
            "INSERT INTO data_proposals (complaint_id, village_code, kecamatan_code,"
            " regency_code, kind, removal_reason, received_at) VALUES ($1,$2,$3,$4,$5,$6,$7)"
            " ON CONFLICT (complaint_id) DO NOTHING",
            row["complaint_id"],
            row["village_code"],
            row["kecamatan_code"],
            row["regency_code"],
            row["kind"],
            row["removal_reason"],
            row["received_at"],
        )

    async def note_rejection(self, referral_id: UUID, complaint_id: UUID, at: datetime) -> None:
        """Keep when a referral was rejected (once)."""
        await self.conn.execute(
            "INSERT INTO referral_rejections (referral_id, complaint_id, rejected_at)"
            " VALUES ($1, $2, $3) ON CONFLICT (referral_id) DO NOTHING",
            referral_id,
            complaint_id,
            at,
        )

    async def programme_target(self, regency_code: str, year: int) -> Target | None:
        """A regency's target of a year, if one was set."""
        row = await self.conn.fetchrow(
            "SELECT district_total, per_facilitator FROM programme_targets"
            " WHERE regency_code = $1 AND year = $2",
            regency_code,
            year,
        )
        return Target(row["district_total"], row["per_facilitator"]) if row else None

    async def active_facilitators(self, regency_code: str) -> list[str]:
        """The codes of a regency's active facilitators."""
        rows = await self.conn.fetch(
            "SELECT code FROM programme_facilitators WHERE regency_code = $1 AND active"
            " ORDER BY code",
            regency_code,
        )
        return [r["code"] for r in rows]

    async def confirmed_graduations(
        self, regency_code: str, start: datetime, end: datetime, village: str | None = None
    ) -> list[Graduation]:
        """A regency's (or one village's) graduations confirmed in [start, end)."""
        scope = "" if village is None else " AND village_code = $4"
        args: list[Any] = [regency_code, start, end] + ([] if village is None else [village])
        rows = await self.conn.fetch(
            "SELECT village_code, facilitator_code, decided_at FROM programme_graduations"
            " WHERE regency_code = $1 AND decision = 'confirmed'"
            f" AND decided_at >= $2 AND decided_at < $3{scope}",
            *args,
        )
        return [Graduation(r["village_code"], r["facilitator_code"], r["decided_at"]) for r in rows]

    async def data_proposals(
        self, regency_code: str, start: datetime, end: datetime, village: str | None = None
    ) -> list[Proposal]:
        """A regency's (or one village's) proposals received in [start, end), with their stages."""
        scope = "" if village is None else " AND village_code = $4"
        args: list[Any] = [regency_code, start, end] + ([] if village is None else [village])
        rows = await self.conn.fetch(
            "SELECT complaint_id, village_code, kind, removal_reason FROM data_proposals"
            f" WHERE regency_code = $1 AND received_at >= $2 AND received_at < $3{scope}",
            *args,
        )
        referrals = await self.conn.fetch(
            "SELECT f.complaint_id, stage, stage_index, stages_total, dispatched_at,"
            " x.rejected_at, reason_code, resolved_at, outcome FROM referral_facts f"
            " LEFT JOIN referral_rejections x USING (referral_id)"
            " WHERE f.complaint_id = ANY($1::uuid[]) AND stage_index IS NOT NULL",
            [r["complaint_id"] for r in rows],
        )
        steps: dict[object, list[StageStep]] = {}
        for f in referrals:
            steps.setdefault(f["complaint_id"], []).append(
                StageStep(
                    f["stage"],
                    f["stage_index"],
                    f["stages_total"],
                    f["dispatched_at"],
                    f["rejected_at"],
                    f["reason_code"],
                    f["resolved_at"],
                    f["outcome"],
                )
            )
        return proposals_of(rows, steps)
