"""asyncpg queries of the gateway schema (only), bound to a unit of work's transaction."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

from gateway.adapters.audit_store import AuditQueries
from gateway.adapters.directory_store import DirectoryQueries
from gateway.adapters.erasure import ErasureQueries
from gateway.adapters.webhook_store import WebhookQueries
from gateway.domain.disclosure import ReferralAtHand, Resident
from gateway.domain.paging import Position
from gateway.domain.referrals import Escalation, Referral
from gateway.domain.webhooks import Delivery
from slrt_shared.idempotency import IdempotencyQueries
from slrt_shared.unit_of_work import PgUnitOfWork

_REFERRAL_COLUMNS = (
    "id, complaint_id, ticket, village_code, service_code, agency_code, attempt, status,"
    " dispatched_at, due_at, updated_at, escalation_level, outcome, note, reason_code, seq,"
    " xid::text::bigint AS xid"
)
# The complaint's lock, taken by the referral's id: the complaint is found and locked in one
# statement. Its snapshot may predate a handler that held the lock, so nothing else is read here.
_LOCK_REFERRALS_COMPLAINT = (
    "SELECT complaint_id, pg_advisory_xact_lock(hashtext($1::text), hashtext(complaint_id::text))"
    " FROM referrals WHERE id = $2 AND agency_code = $3"
)
# After the lock, a statement of its own (a fresh snapshot): the row locked, and what the agency's
# copy shows beside it (the resident, an erasure, the catalogue's level, a webhook to queue for).
_REFERRAL_AT_HAND = """
SELECT r.id, r.complaint_id, r.ticket, r.village_code, r.service_code, r.agency_code, r.attempt,
    r.status, r.dispatched_at, r.due_at, r.updated_at, r.escalation_level, r.outcome, r.note,
    r.reason_code, r.seq, r.xid::text::bigint AS xid,
    p.nik AS p_nik, p.name AS p_name, p.phone AS p_phone, p.address AS p_address,
    p.description AS p_description, p.complaint_id IS NOT NULL AS p_found,
    EXISTS (SELECT 1 FROM erased_complaints e WHERE e.complaint_id = r.complaint_id) AS erased,
    (SELECT s.pii_level FROM services s WHERE s.code = r.service_code) AS pii_level,
    EXISTS (SELECT 1 FROM webhooks w WHERE w.agency_code = r.agency_code) AS has_webhook
FROM referrals r LEFT JOIN residents p ON p.complaint_id = r.complaint_id
WHERE r.id = $1 AND r.agency_code = $2
FOR UPDATE OF r
"""
# The change of a referral and the delivery of its copy (when the agency has a webhook).
_SAVE_CHANGE = """
WITH changed AS (
    UPDATE referrals SET status = $2, escalation_level = $3, outcome = $4, note = $5,
        reason_code = $6, updated_at = $7 WHERE id = $1
)
INSERT INTO webhook_deliveries (id, agency_code, referral_id, event_type, payload)
SELECT $8::uuid, $9::text, $1, $10::text, $11::text WHERE $8::uuid IS NOT NULL
ON CONFLICT (id) DO NOTHING
"""
_FIELDS = frozenset(Referral.__dataclass_fields__)
# The complaint lock's class: its own key space among the database's advisory locks.
_COMPLAINT_LOCK = "slrt.gateway.complaint"


class GatewayUnitOfWork(
    PgUnitOfWork,
    IdempotencyQueries,
    WebhookQueries,
    ErasureQueries,
    AuditQueries,
    DirectoryQueries,
):
    """A transaction on the gateway schema with its queries."""

    async def lock_complaint(self, complaint_id: UUID) -> None:
        """Hold the complaint's lock until the transaction ends: its handlers run one by one."""
        await self.conn.execute(
            "SELECT pg_advisory_xact_lock(hashtext($1::text), hashtext($2::text))",
            _COMPLAINT_LOCK,
            str(complaint_id),
        )

    async def save_resident(self, resident: Resident) -> None:
        """Keep a resident's personal data; a later complaint.pii of the complaint replaces it."""
        await self.conn.execute(
            "INSERT INTO residents (complaint_id, nik, name, phone, address, description)"
            " VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (complaint_id) DO UPDATE SET"
            " nik = EXCLUDED.nik, name = EXCLUDED.name, phone = EXCLUDED.phone,"
            " address = EXCLUDED.address, description = EXCLUDED.description,"
            " received_at = now()",
            resident.complaint_id,
            resident.nik,
            resident.name,
            resident.phone,
            resident.address,
            resident.description,
        )

    async def residents(self, complaint_ids: list[UUID]) -> dict[UUID, Resident]:
        """The residents of some complaints (those whose data has arrived)."""
        rows = await self.conn.fetch(
            "SELECT complaint_id, nik, name, phone, address, description FROM residents"
            " WHERE complaint_id = ANY($1::uuid[])",
            complaint_ids,
        )
        return {r["complaint_id"]: Resident(**dict(r)) for r in rows}

    async def pii_levels(self, service_codes: list[str]) -> dict[str, str]:
        """The catalogue's pii_level of some services."""
        rows = await self.conn.fetch(
            "SELECT code, pii_level FROM services WHERE code = ANY($1::text[])", service_codes
        )
        return {r["code"]: r["pii_level"] for r in rows}

    async def add_referral(self, referral: Referral) -> bool:
        """Save a new referral; False if it is known already."""
        inserted = await self.conn.fetchval(
            "INSERT INTO referrals (id, complaint_id, ticket, village_code, service_code,"
            " agency_code, attempt, status, dispatched_at, due_at, updated_at)"
            " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
            " ON CONFLICT (id) DO NOTHING RETURNING true",
            referral.id,
            referral.complaint_id,
            referral.ticket,
            referral.village_code,
            referral.service_code,
            referral.agency_code,
            referral.attempt,
            referral.status,
            referral.dispatched_at,
            referral.due_at,
            referral.updated_at,
        )
        return bool(inserted)

    async def referral(
        self, referral_id: UUID, agency_code: str | None = None, *, for_update: bool = False
    ) -> Referral | None:
        """A referral; with an agency, only if it is that agency's."""
        lock = " FOR UPDATE" if for_update else ""
        row = await self.conn.fetchrow(
            f"SELECT {_REFERRAL_COLUMNS} FROM referrals"
            f" WHERE id = $1 AND ($2::text IS NULL OR agency_code = $2){lock}",
            referral_id,
            agency_code,
        )
        return Referral(**dict(row)) if row else None

    async def referrals_of_complaint(self, complaint_id: UUID) -> list[Referral]:
        """Every referral of a complaint, in the order they arrived."""
        rows = await self.conn.fetch(
            f"SELECT {_REFERRAL_COLUMNS} FROM referrals WHERE complaint_id = $1 ORDER BY seq",
            complaint_id,
        )
        return [Referral(**dict(r)) for r in rows]

    async def page(
        self, agency_code: str, status: str | None, after: Position, limit: int
    ) -> list[Referral]:
        """The agency's referrals after a position whose transactions have all settled.

        A row is handed out only when its transaction is older than this snapshot's xmin:
        every transaction before that has ended, so none can still commit a row before it.
        """
        rows = await self.conn.fetch(
            f"SELECT {_REFERRAL_COLUMNS} FROM referrals WHERE agency_code = $1"
            " AND (xid, seq) > ($2::text::xid8, $3::bigint)"
            " AND xid < pg_snapshot_xmin(pg_current_snapshot())"
            " AND ($4::text IS NULL OR status = $4) ORDER BY xid, seq LIMIT $5",
            agency_code,
            str(after.xid),
            after.seq,
            status,
            limit,
        )
        return [Referral(**dict(r)) for r in rows]

    async def legacy_position(self, agency_code: str, seq: int) -> Position:
        """Where an older cursor (after `seq`) stands now: before every referral after `seq`.

        Referrals after `seq` that are still being written belong to transactions at or after
        this snapshot's xmin; some already read may be shown again, none is skipped.
        """
        row = await self.conn.fetchrow(
            "SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint AS xmin,"
            " (SELECT array[xid::text::bigint, seq] FROM referrals"
            "  WHERE agency_code = $1 AND seq > $2 ORDER BY xid, seq LIMIT 1) AS first",
            agency_code,
            seq,
        )
        assert row is not None
        candidates = [Position(row["xmin"], 0)]
        if row["first"] is not None:
            first_xid, first_seq = row["first"]
            candidates.append(Position(first_xid, first_seq - 1))
        return min(candidates)

    async def early_escalation(self, referral_id: UUID) -> Escalation | None:
        """The escalation kept for a referral that has not arrived."""
        row = await self.conn.fetchrow(
            "SELECT referral_id, complaint_id, level, at, change FROM pending_escalations"
            " WHERE referral_id = $1",
            referral_id,
        )
        return Escalation(**dict(row)) if row else None

    async def keep_early_escalation(self, escalation: Escalation) -> None:
        """Keep an escalation until its referral arrives (replacing a lower one)."""
        await self.conn.execute(
            "INSERT INTO pending_escalations (referral_id, complaint_id, level, at, change)"
            " VALUES ($1, $2, $3, $4, $5) ON CONFLICT (referral_id) DO UPDATE SET"
            " level = EXCLUDED.level, at = EXCLUDED.at, change = EXCLUDED.change,"
            " received_at = now()",
            escalation.referral_id,
            escalation.complaint_id,
            escalation.level,
            escalation.at,
            escalation.change,
        )

    async def take_early_escalation(self, referral_id: UUID) -> Escalation | None:
        """Remove and return the escalation kept for a referral that has now arrived."""
        row = await self.conn.fetchrow(
            "DELETE FROM pending_escalations WHERE referral_id = $1"
            " RETURNING referral_id, complaint_id, level, at, change",
            referral_id,
        )
        return Escalation(**dict(row)) if row else None

    async def referral_to_change(
        self, referral_id: UUID, agency_code: str
    ) -> ReferralAtHand | None:
        """The agency's referral under its complaint's lock and its own, with its copy's data."""
        locked = await self.conn.fetchval(
            _LOCK_REFERRALS_COMPLAINT, _COMPLAINT_LOCK, referral_id, agency_code
        )
        if locked is None:
            return None
        row = await self.conn.fetchrow(_REFERRAL_AT_HAND, referral_id, agency_code)
        if row is None:
            return None
        referral = Referral(**{k: v for k, v in row.items() if k in _FIELDS})
        resident = None
        if row["p_found"]:
            resident = Resident(
                complaint_id=referral.complaint_id,
                nik=row["p_nik"],
                name=row["p_name"],
                phone=row["p_phone"],
                address=row["p_address"],
                description=row["p_description"],
            )
        return ReferralAtHand(
            referral, resident, row["pii_level"] or "basic", row["erased"], row["has_webhook"]
        )

    async def save_change(self, referral: Referral, delivery: Delivery | None) -> None:
        """Write what can change of a referral and queue its copy's delivery, in one statement."""
        await self.conn.execute(
            _SAVE_CHANGE,
            referral.id,
            referral.status,
            referral.escalation_level,
            referral.outcome,
            referral.note,
            referral.reason_code,
            referral.updated_at,
            delivery.id if delivery else None,
            delivery.agency_code if delivery else None,
            delivery.event_type if delivery else None,
            delivery.payload if delivery else None,
        )

    async def save(self, referral: Referral) -> None:
        """Write what can change of a referral."""
        await self.conn.execute(
            "UPDATE referrals SET status = $2, escalation_level = $3, outcome = $4, note = $5,"
            " reason_code = $6, updated_at = $7 WHERE id = $1",
            referral.id,
            referral.status,
            referral.escalation_level,
            referral.outcome,
            referral.note,
            referral.reason_code,
            referral.updated_at,
        )

    async def audit(self, agency_code: str, reads: list[tuple[UUID, list[str]]]) -> None:
        """Log reads of personal data: which referral, which fields."""
        await self.conn.executemany(
            "INSERT INTO audit_log (agency_code, referral_id, fields) VALUES ($1, $2, $3)",
            [(agency_code, referral_id, fields) for referral_id, fields in reads],
        )

    async def agencies(self) -> list[dict[str, Any]]:
        """The agency registry."""
        return [dict(r) for r in await self.conn.fetch("SELECT * FROM agencies ORDER BY code")]


UnitOfWorkFactory = Callable[[], GatewayUnitOfWork]
"""What app.py hands to routers, subscribers and jobs: a new unit of work per call."""
