"""asyncpg queries of erasure and access requests (intake schema only)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg

from slrt_shared import idempotency


class ErasureQueries:
    """Queries of personal-data erasure and export (mixed into IntakeUnitOfWork)."""

    @property
    def conn(self) -> asyncpg.Connection:
        """The connection of the open transaction (the unit of work's)."""
        raise NotImplementedError

    async def closed_before(self, cutoff: datetime, limit: int) -> list[UUID]:
        """Closed complaints not yet erased whose case closed before `cutoff`, locked."""
        rows = await self.conn.fetch(
            "SELECT id FROM complaints WHERE status = 'closed' AND erased_at IS NULL"
            " AND closed_at < $1 ORDER BY closed_at LIMIT $2 FOR UPDATE SKIP LOCKED",
            cutoff,
            limit,
        )
        return [r["id"] for r in rows]

    async def complaints_of_nik(self, nik: str, regency: str | None) -> list[UUID]:
        """Complaints holding a NIK (within a regency, if given), oldest first, locked."""
        rows = await self.conn.fetch(
            "SELECT c.id FROM complaints c JOIN residents r ON r.complaint_id = c.id"
            " WHERE r.nik = $1 AND ($2::text IS NULL OR starts_with(c.village_code, $2 || '.'))"
            " ORDER BY c.received_at, c.id FOR UPDATE OF c",
            nik,
            regency,
        )
        return [r["id"] for r in rows]

    async def erase_personal_data(
        self, complaint_ids: list[UUID], cause: str, at: datetime, pii_topic: str
    ) -> list[UUID]:
        """Remove the personal data of complaints; the case record stays. Returns those erased.

        Gone: the resident's row, the description and the needs' details, the notes of
        reopenings and the comments of verdicts, the links to the
        resident's other complaints, the idempotency keys (hashes of the request that carried
        the data) and any complaint.pii record of these complaints still waiting in the outbox.
        """
        erased = [
            r["id"]
            for r in await self.conn.fetch(
                "UPDATE complaints SET description = NULL, need_details = NULL,"
                " possible_duplicate_of = '{}',"
                " erased_at = $2, erasure_cause = $3"
                " WHERE id = ANY($1::uuid[]) AND erased_at IS NULL RETURNING id",
                complaint_ids,
                at,
                cause,
            )
        ]
        if not erased:
            return []
        await self.conn.execute(
            "DELETE FROM residents WHERE complaint_id = ANY($1::uuid[])", erased
        )
        # The reopener's note and the verdict's comment are the resident's own words.
        await self.conn.execute(
            "UPDATE reopenings SET note = NULL WHERE complaint_id = ANY($1::uuid[])", erased
        )
        await self.conn.execute(
            "UPDATE verdicts SET comment = NULL WHERE complaint_id = ANY($1::uuid[])", erased
        )
        await idempotency.forget(self.conn, "complaint_id", [str(c) for c in erased])
        await self.conn.execute(
            "UPDATE complaints SET possible_duplicate_of = ARRAY("
            " SELECT d FROM unnest(possible_duplicate_of) d WHERE d <> ALL($1::uuid[]))"
            " WHERE possible_duplicate_of && $1::uuid[]",
            erased,
        )
        await self.conn.execute(
            "DELETE FROM outbox WHERE topic = $1 AND key = ANY($2::bytea[])",
            pii_topic,
            [str(c).encode() for c in erased],
        )
        return erased

    async def held_about(self, complaint_ids: list[UUID]) -> list[dict[str, Any]]:
        """Everything held of some complaints: case, resident, timeline, reads of the data."""
        complaints = await self.conn.fetch(
            "SELECT c.id AS complaint_id, c.ticket, c.status, c.village_code, c.needs,"
            " c.description, c.channel, c.recorded_at, c.received_at, c.closed_at,"
            " c.possible_duplicate_of, coalesce(c.need_details, '{}') AS need_details,"
            " r.nik, r.name, r.phone, r.address"
            " FROM complaints c JOIN residents r ON r.complaint_id = c.id"
            " WHERE c.id = ANY($1::uuid[]) ORDER BY c.received_at, c.id",
            complaint_ids,
        )
        timeline = await self.conn.fetch(
            "SELECT complaint_id, at, kind, agency_code, detail FROM timeline"
            " WHERE complaint_id = ANY($1::uuid[]) ORDER BY at, id",
            complaint_ids,
        )
        reads = await self.conn.fetch(
            "SELECT p.complaint_id, p.at, p.fields, o.kind AS reader_kind,"
            " o.label AS reader_label, o.id AS reader_id FROM pii_reads p"
            " JOIN operators o ON o.token_hash = p.reader"
            " WHERE p.complaint_id = ANY($1::uuid[]) ORDER BY p.at, p.id",
            complaint_ids,
        )
        held = []
        for c in complaints:
            item = dict(c)
            item["need_details"] = json.loads(c["need_details"])
            item["timeline"] = [
                {**dict(t), "detail": json.loads(t["detail"])}
                for t in timeline
                if t["complaint_id"] == c["complaint_id"]
            ]
            item["reads"] = [dict(r) for r in reads if r["complaint_id"] == c["complaint_id"]]
            for row in (*item["timeline"], *item["reads"]):
                del row["complaint_id"]
            held.append(item)
        return held

    async def requester(self, token_hash: str) -> str:
        """How a staff member is named in the request log: label and public token id."""
        row = await self.conn.fetchrow(
            "SELECT id, label FROM operators WHERE token_hash = $1", token_hash
        )
        return f"{row['label']} (token {row['id']})" if row else "unknown"

    async def record_subject_request(
        self,
        *,
        action: str,
        nik_hash: str,
        requested_by: str,
        via: str,
        reason: str | None,
        complaint_ids: list[UUID],
        at: datetime,
    ) -> None:
        """Log an access or erasure request (the NIK only as its keyed hash)."""
        await self.conn.execute(
            "INSERT INTO subject_requests"
            " (action, nik_hash, requested_by, via, reason, complaint_ids, at)"
            " VALUES ($1, $2, $3, $4, $5, $6, $7)",
            action,
            nik_hash,
            requested_by,
            via,
            reason,
            complaint_ids,
            at,
        )

    async def subject_requests(self, nik_hash: str) -> list[dict[str, Any]]:
        """Earlier requests about a NIK, oldest first."""
        rows = await self.conn.fetch(
            "SELECT action, requested_by, via, reason, complaint_ids, at FROM subject_requests"
            " WHERE nik_hash = $1 ORDER BY at, id",
            nik_hash,
        )
        return [dict(r) for r in rows]
