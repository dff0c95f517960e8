"""asyncpg queries of the erasure of a complaint's personal data (gateway schema only)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg

from slrt_shared import idempotency

ERASED_DELIVERY = "personal data erased"


class ErasureQueries:
    """Erasure queries of a unit of work (mixed into GatewayUnitOfWork)."""

    @property
    def conn(self) -> asyncpg.Connection:
        """The connection of the open transaction (the unit of work's)."""
        raise NotImplementedError

    async def is_erased(self, complaint_id: UUID) -> bool:
        """Whether a complaint's personal data was erased (its tombstone is kept)."""
        return bool(
            await self.conn.fetchval(
                "SELECT 1 FROM erased_complaints WHERE complaint_id = $1", complaint_id
            )
        )

    async def erased_among(self, complaint_ids: list[UUID]) -> set[UUID]:
        """Those of some complaints whose personal data was erased."""
        rows = await self.conn.fetch(
            "SELECT complaint_id FROM erased_complaints WHERE complaint_id = ANY($1::uuid[])",
            complaint_ids,
        )
        return {r["complaint_id"] for r in rows}

    async def erase_complaint(self, complaint_id: UUID, erased_at: datetime, cause: str) -> None:
        """Erase what the gateway holds of a complaint's resident and keep its tombstone.

        Gone: the resident's copy, the agencies' notes on its referrals, the stored answers of
        their actions (they repeat the note), and the payloads of its webhook deliveries (a
        delivery not yet made is parked: what it would carry no longer exists).
        """
        await self.conn.execute(
            "INSERT INTO erased_complaints (complaint_id, erased_at, cause) VALUES ($1, $2, $3)"
            " ON CONFLICT (complaint_id) DO NOTHING",
            complaint_id,
            erased_at,
            cause,
        )
        await self.conn.execute("DELETE FROM residents WHERE complaint_id = $1", complaint_id)
        referral_ids = [
            r["id"]
            for r in await self.conn.fetch(
                "UPDATE referrals SET note = NULL WHERE complaint_id = $1 RETURNING id",
                complaint_id,
            )
        ]
        if not referral_ids:
            return
        await idempotency.forget(self.conn, "referral_id", [str(r) for r in referral_ids])
        # A lease is cleared so an attempt in flight cannot record itself over the park.
        await self.conn.execute(
            "UPDATE webhook_deliveries SET payload = NULL, purged_at = now(),"
            " status = CASE WHEN status = 'pending' THEN 'parked' ELSE status END,"
            " parked_at = CASE WHEN status = 'pending' THEN now() ELSE parked_at END,"
            " last_error = CASE WHEN status = 'pending' THEN $2 ELSE last_error END,"
            " leased_until = NULL, lease_token = NULL"
            " WHERE referral_id = ANY($1::uuid[]) AND payload IS NOT NULL",
            referral_ids,
            ERASED_DELIVERY,
        )

    async def held_about_nik(self, nik: str) -> list[dict[str, Any]]:
        """Everything held of a NIK's complaints: the resident's data, the referrals with the
        agencies' notes, the agencies' reads, the webhook deliveries (not their payloads)."""
        residents = await self.conn.fetch(
            "SELECT complaint_id, nik, name, phone, address, description, need_details,"
            " received_at FROM residents WHERE nik = $1 ORDER BY received_at, complaint_id",
            nik,
        )
        ids = [r["complaint_id"] for r in residents]
        referrals = await self.conn.fetch(
            "SELECT id AS referral_id, complaint_id, ticket, service_code, agency_code, status,"
            " outcome, note, escalation_level, dispatched_at, updated_at FROM referrals"
            " WHERE complaint_id = ANY($1::uuid[]) ORDER BY seq",
            ids,
        )
        referral_ids = [r["referral_id"] for r in referrals]
        reads = await self.conn.fetch(
            "SELECT referral_id, agency_code, fields, at FROM audit_log"
            " WHERE referral_id = ANY($1::uuid[]) ORDER BY at, id",
            referral_ids,
        )
        deliveries = await self.conn.fetch(
            "SELECT referral_id, agency_code, event_type, status, created_at, delivered_at,"
            " payload IS NOT NULL AS payload_held FROM webhook_deliveries"
            " WHERE referral_id = ANY($1::uuid[]) ORDER BY seq",
            referral_ids,
        )
        held = []
        for resident in residents:
            mine = [dict(r) for r in referrals if r["complaint_id"] == resident["complaint_id"]]
            for referral in mine:
                rid = referral["referral_id"]
                referral["reads"] = [dict(r) for r in reads if r["referral_id"] == rid]
                referral["webhook_deliveries"] = [
                    dict(d) for d in deliveries if d["referral_id"] == rid
                ]
                for row in (*referral["reads"], *referral["webhook_deliveries"]):
                    del row["referral_id"]
            details = json.loads(resident["need_details"])
            held.append({**dict(resident), "need_details": details, "referrals": mine})
        return held

    async def record_subject_export(
        self, *, nik_hash: str, requested_by: str, via: str, complaint_ids: list[UUID]
    ) -> None:
        """Log an export by NIK (the NIK only as its keyed hash)."""
        await self.conn.execute(
            "INSERT INTO subject_requests (action, nik_hash, requested_by, via, complaint_ids)"
            " VALUES ('export', $1, $2, $3, $4)",
            nik_hash,
            requested_by,
            via,
            complaint_ids,
        )
