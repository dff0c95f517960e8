"""asyncpg queries of the gateway schema (only), bound to a unit of work's transaction."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg

from gateway.adapters.audit_store import AuditQueries
from gateway.adapters.directory_store import DirectoryQueries
from gateway.adapters.erasure import ErasureQueries
from gateway.adapters.staff_accounts import StaffQueries
from gateway.adapters.webhook_store import WebhookQueries
from gateway.domain.casework import Step
from gateway.domain.disclosure import ReferralAtHand, Resident
from gateway.domain.paging import Filters, Position
from gateway.domain.referrals import Change, Escalation, Referral
from gateway.domain.webhooks import Delivery
from gateway.service_layer.unit_of_work import (
    ActionGate,
    ActionTaken,
    Arrival,
    ChangeMade,
    ResidentKept,
    SavedAnswer,
)
from slrt_shared import clock
from slrt_shared.contracts.referral_states import OPEN
from slrt_shared.idempotency import IdempotencyKey
from slrt_shared.unit_of_work import PgUnitOfWork

_REFERRAL_COLUMNS = (
    "id, complaint_id, ticket, village_code, service_code, agency_code, attempt, status,"
    " dispatched_at, due_at, updated_at, escalation_level, outcome, note, reason_code, seq,"
    " xid::text::bigint AS xid"
)
_RETURNED = (
    "id, complaint_id, ticket, village_code, service_code, agency_code, attempt, status,"
    " dispatched_at, due_at, updated_at, escalation_level, outcome, note, reason_code, seq,"
    " xid::text::bigint AS xid"
)
# Beside a referral `c`: the resident, an erasure, the catalogue's level, a webhook to queue for.
_AT_HAND = """
    p.nik AS p_nik, p.name AS p_name, p.phone AS p_phone, p.address AS p_address,
    p.description AS p_description, p.need_details AS p_need_details,
    p.complaint_id IS NOT NULL AS p_found,
    EXISTS (SELECT 1 FROM erased_complaints e WHERE e.complaint_id = c.complaint_id) AS erased,
    (SELECT s.pii_level FROM services s WHERE s.code = c.service_code) AS pii_level,
    EXISTS (SELECT 1 FROM webhooks w WHERE w.agency_code = c.agency_code) AS has_webhook
"""
# An action's key as the gate: a new key is saved with the answer, and only then is the
# complaint of the agency's referral locked (a key taken waits for the request that took it).
# The complaint's lock is the one the event handlers take: a copy of this change and one that
# brings the resident's data cannot each be built without the other. The key's earlier answer,
# when this statement's snapshot sees it, comes back with it. Nothing of the referral is read
# here: the snapshot may predate a handler that held the lock.
_GATE_ACTION = """
WITH gate AS (
    INSERT INTO idempotency_keys (scope, key, request_hash, response)
    VALUES ($1::text, $2::text, $3::text, $4::jsonb)
    ON CONFLICT (scope, key) DO NOTHING RETURNING 1
), held AS (
    SELECT r.complaint_id,
        pg_advisory_xact_lock(hashtext($5::text), hashtext(r.complaint_id::text)) AS locked
    FROM referrals r
    WHERE r.id = $6 AND r.agency_code = $7 AND EXISTS (SELECT 1 FROM gate)
)
SELECT EXISTS (SELECT 1 FROM gate) AS gated, (SELECT complaint_id FROM held) AS complaint_id,
    k.request_hash, k.response
FROM (SELECT 1) AS one LEFT JOIN idempotency_keys k ON k.scope = $1 AND k.key = $2
"""
_SAVED_ACTION = """
SELECT k.request_hash, k.response,
    EXISTS (SELECT 1 FROM referrals r WHERE r.id = $3 AND r.agency_code = $4) AS found
FROM (SELECT 1) AS one LEFT JOIN idempotency_keys k ON k.scope = $1 AND k.key = $2
"""
# After the complaint's lock (a fresh snapshot): the agency's referral changed only from a
# status the change is allowed from, returned with its copy's data; the status it had beside.
# The change is recorded with who made it (a person's account, or none for the system key).
_CHANGE_REFERRAL = f"""
WITH before AS (
    SELECT status FROM referrals WHERE id = $1 AND agency_code = $2
), c AS (
    UPDATE referrals SET status = $3, outcome = $4, note = $5, reason_code = $6, updated_at = $7
    WHERE id = $1 AND agency_code = $2 AND status = ANY($8::text[])
    RETURNING {_RETURNED}
), logged AS (
    INSERT INTO referral_actions (referral_id, agency_code, account_id, action, status,
        outcome, reason_code, at)
    SELECT id, agency_code, $9::uuid, $10::text, status, outcome, reason_code, $7 FROM c
)
SELECT b.status AS previous, c.*, {_AT_HAND}
FROM before b LEFT JOIN c ON true LEFT JOIN residents p ON p.complaint_id = c.complaint_id
"""
# A referral arriving (after its complaint's lock): stored unless known, the escalation kept
# for it taken, and what its copy shows read beside it. A known one returns no row.
_ARRIVE = f"""
WITH c AS (
    INSERT INTO referrals (id, complaint_id, ticket, village_code, service_code, agency_code,
        attempt, status, dispatched_at, due_at, updated_at)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
    ON CONFLICT (id) DO NOTHING
    RETURNING {_RETURNED}
), early AS (
    DELETE FROM pending_escalations WHERE referral_id = $1 AND EXISTS (SELECT 1 FROM c)
    RETURNING level, at, change
), steps AS (
    DELETE FROM pending_casework WHERE referral_id = $1 AND EXISTS (SELECT 1 FROM c)
    RETURNING event_id, seq, action, reason_code, due_at, at
)
SELECT c.*, {_AT_HAND}, early.level AS e_level, early.at AS e_at, early.change AS e_change,
    (SELECT json_agg(json_build_object('event_id', s.event_id, 'action', s.action,
        'reason_code', s.reason_code, 'due_at', s.due_at, 'at', s.at) ORDER BY s.seq)
     FROM steps s) AS steps
FROM c LEFT JOIN residents p ON p.complaint_id = c.complaint_id LEFT JOIN early ON true
"""
# A resident's data (after its complaint's lock): kept unless the complaint was erased, and
# the complaint's referrals read with what their copies show beside the resident.
_KEEP_RESIDENT = """
WITH gone AS (
    SELECT 1 FROM erased_complaints WHERE complaint_id = $1
), kept AS (
    INSERT INTO residents (complaint_id, nik, name, phone, address, description, need_details)
    SELECT $1, $2, $3, $4, $5, $6, $7::jsonb WHERE NOT EXISTS (SELECT 1 FROM gone)
    ON CONFLICT (complaint_id) DO UPDATE SET
        nik = EXCLUDED.nik, name = EXCLUDED.name, phone = EXCLUDED.phone,
        address = EXCLUDED.address, description = EXCLUDED.description,
        need_details = EXCLUDED.need_details, received_at = now()
)
SELECT EXISTS (SELECT 1 FROM gone) AS gone, c.id, c.complaint_id, c.ticket, c.village_code,
    c.service_code, c.agency_code, c.attempt, c.status, c.dispatched_at, c.due_at, c.updated_at,
    c.escalation_level, c.outcome, c.note, c.reason_code, c.seq, c.xid::text::bigint AS xid,
    (SELECT s.pii_level FROM services s WHERE s.code = c.service_code) AS pii_level,
    EXISTS (SELECT 1 FROM webhooks w WHERE w.agency_code = c.agency_code) AS has_webhook
FROM (SELECT 1) AS one LEFT JOIN referrals c ON c.complaint_id = $1
ORDER BY c.seq
"""
# A referral's change (none when $1 is null) and the deliveries of its copies, in one statement.
_SAVE_COPIES = """
WITH changed AS (
    UPDATE referrals SET status = $2, escalation_level = $3, outcome = $4, note = $5,
        reason_code = $6, updated_at = $7, due_at = COALESCE($13, due_at) WHERE id = $1
)
INSERT INTO webhook_deliveries (id, agency_code, referral_id, event_type, payload)
SELECT * FROM unnest($8::uuid[], $9::text[], $10::uuid[], $11::text[], $12::text[])
ON CONFLICT (id) DO NOTHING
"""
_FIELDS = frozenset(Referral.__dataclass_fields__)
# The complaint lock's class: its own key space among the database's advisory locks.
_COMPLAINT_LOCK = "slrt.gateway.complaint"


class GatewayUnitOfWork(
    PgUnitOfWork,
    WebhookQueries,
    ErasureQueries,
    AuditQueries,
    DirectoryQueries,
    StaffQueries,
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
            "INSERT INTO residents (complaint_id, nik, name, phone, address, description,"
            " need_details) VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb)"
            " ON CONFLICT (complaint_id) DO UPDATE SET"
            " nik = EXCLUDED.nik, name = EXCLUDED.name, phone = EXCLUDED.phone,"
            " address = EXCLUDED.address, description = EXCLUDED.description,"
            " need_details = EXCLUDED.need_details, received_at = now()",
            resident.complaint_id,
            resident.nik,
            resident.name,
            resident.phone,
            resident.address,
            resident.description,
            json.dumps(dict(resident.need_details)),
        )

    async def residents(self, complaint_ids: list[UUID]) -> dict[UUID, Resident]:
        """The residents of some complaints (those whose data has arrived)."""
        rows = await self.conn.fetch(
            "SELECT complaint_id, nik, name, phone, address, description, need_details"
            " FROM residents WHERE complaint_id = ANY($1::uuid[])",
            complaint_ids,
        )
        return {
            r["complaint_id"]: Resident(
                **{**dict(r), "need_details": json.loads(r["need_details"])}
            )
            for r in rows
        }

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
            *_new_referral(referral),
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
        self,
        agency_code: str,
        status: str | None,
        after: Position,
        limit: int,
        filters: Filters | None = None,
    ) -> list[Referral]:
        """The agency's referrals after a position whose transactions have all settled.

        A row is handed out only when its transaction is older than this snapshot's xmin:
        every transaction before that has ended, so none can still commit a row before it.
        The filters only leave rows out: a cursor past a page stays where the page ended.
        """
        f = filters or Filters()
        rows = await self.conn.fetch(
            f"SELECT {_REFERRAL_COLUMNS} FROM referrals WHERE agency_code = $1"
            " AND (xid, seq) > ($2::text::xid8, $3::bigint)"
            " AND xid < pg_snapshot_xmin(pg_current_snapshot())"
            " AND ($4::text IS NULL OR status = $4)"
            " AND ($6::text IS NULL OR service_code = $6)"
            " AND ($7::text IS NULL OR village_code = $7)"
            " AND ($8::timestamptz IS NULL OR due_at < $8)"
            " AND ($9::timestamptz IS NULL OR (due_at < $9 AND status = ANY($11::text[])))"
            " AND (NOT $10::bool OR escalation_level IS NOT NULL)"
            " AND (NOT $12::bool OR status <> 'withdrawn')"
            " ORDER BY xid, seq LIMIT $5",
            agency_code,
            str(after.xid),
            after.seq,
            status,
            limit,
            f.service_code,
            f.village_code,
            f.due_before,
            (f.now or clock.now()) if f.overdue else None,
            f.escalated,
            sorted(OPEN),
            f.without_withdrawn,
        )
        return [Referral(**dict(r)) for r in rows]

    async def referrals_of_agency(self, agency_code: str) -> list[Referral]:
        """Every committed referral of the agency, in the order they arrived."""
        rows = await self.conn.fetch(
            f"SELECT {_REFERRAL_COLUMNS} FROM referrals WHERE agency_code = $1 ORDER BY seq",
            agency_code,
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

    async def gate_action(
        self,
        key: IdempotencyKey,
        request_hash: str,
        response: Mapping[str, Any],
        referral_id: UUID,
        agency_code: str,
    ) -> ActionGate:
        """Save a new key with its answer and lock the referral's complaint; or what it held."""
        row = await self.conn.fetchrow(
            _GATE_ACTION,
            key.scope,
            key.key,
            request_hash,
            json.dumps(response, default=str),
            _COMPLAINT_LOCK,
            referral_id,
            agency_code,
        )
        assert row is not None
        return ActionGate(row["gated"], row["complaint_id"] is not None, _saved(row))

    async def saved_action(
        self, key: IdempotencyKey, referral_id: UUID, agency_code: str
    ) -> ActionGate:
        """What a key was saved with (nothing saved now), and whether the agency's referral is."""
        row = await self.conn.fetchrow(_SAVED_ACTION, key.scope, key.key, referral_id, agency_code)
        assert row is not None
        return ActionGate(False, row["found"], _saved(row))

    async def change_referral(
        self,
        referral_id: UUID,
        agency_code: str,
        change: Change,
        at: datetime,
        *,
        action: str,
        account_id: UUID | None = None,
    ) -> ChangeMade:
        """Change the agency's referral if its status allows, recording who did; read with its
        copy's data."""
        row = await self.conn.fetchrow(
            _CHANGE_REFERRAL,
            referral_id,
            agency_code,
            change.status,
            change.outcome,
            change.note,
            change.reason_code,
            at,
            sorted(change.allowed_from),
            account_id,
            action,
        )
        if row is None:
            return ChangeMade(None, None)
        return ChangeMade(row["previous"], _at_hand(row) if row["id"] is not None else None)

    async def arrive(self, referral: Referral) -> Arrival | None:
        """Store a new referral and take what was kept for it; None if it is known already."""
        row = await self.conn.fetchrow(
            _ARRIVE,
            *_new_referral(referral),
        )
        if row is None:
            return None
        early = None
        if row["e_level"] is not None:
            early = Escalation(
                referral.id, referral.complaint_id, row["e_level"], row["e_at"], row["e_change"]
            )
        steps = tuple(
            Step(
                UUID(s["event_id"]),
                referral.id,
                referral.complaint_id,
                s["action"],
                s["reason_code"],
                datetime.fromisoformat(s["due_at"]) if s["due_at"] else None,
                datetime.fromisoformat(s["at"]),
            )
            for s in json.loads(row["steps"] or "[]")
        )
        return Arrival(_at_hand(row), early, steps)

    async def keep_early_step(self, step: Step) -> None:
        """Keep a step of the case work until its referral arrives (once per event)."""
        await self.conn.execute(
            "INSERT INTO pending_casework (event_id, referral_id, complaint_id, action,"
            " reason_code, due_at, at) VALUES ($1, $2, $3, $4, $5, $6, $7)"
            " ON CONFLICT (event_id) DO NOTHING",
            step.event_id,
            step.referral_id,
            step.complaint_id,
            step.action,
            step.reason_code,
            step.due_at,
            step.at,
        )

    async def keep_resident(self, resident: Resident) -> ResidentKept:
        """Keep a resident's data unless erased; the complaint's referrals with their copies'."""
        rows = await self.conn.fetch(
            _KEEP_RESIDENT,
            resident.complaint_id,
            resident.nik,
            resident.name,
            resident.phone,
            resident.address,
            resident.description,
            json.dumps(dict(resident.need_details)),
        )
        if rows[0]["gone"]:
            return ResidentKept(True, [])
        return ResidentKept(
            False,
            [
                ReferralAtHand(
                    Referral(**{k: v for k, v in r.items() if k in _FIELDS}),
                    resident,
                    r["pii_level"] or "basic",
                    False,
                    r["has_webhook"],
                )
                for r in rows
                if r["id"] is not None
            ],
        )

    async def save_copies(self, changed: Referral | None, deliveries: list[Delivery]) -> None:
        """Write a referral's change (if any) and queue its copies' deliveries, in one statement."""
        await self.conn.execute(
            _SAVE_COPIES,
            changed.id if changed else None,
            changed.status if changed else None,
            changed.escalation_level if changed else None,
            changed.outcome if changed else None,
            changed.note if changed else None,
            changed.reason_code if changed else None,
            changed.updated_at if changed else None,
            [d.id for d in deliveries],
            [d.agency_code for d in deliveries],
            [d.referral_id for d in deliveries],
            [d.event_type for d in deliveries],
            [d.payload for d in deliveries],
            changed.due_at if changed else None,
        )

    async def save(self, referral: Referral) -> None:
        """Write what can change of a referral."""
        await self.conn.execute(
            "UPDATE referrals SET status = $2, escalation_level = $3, outcome = $4, note = $5,"
            " reason_code = $6, updated_at = $7, due_at = $8 WHERE id = $1",
            referral.id,
            referral.status,
            referral.escalation_level,
            referral.outcome,
            referral.note,
            referral.reason_code,
            referral.updated_at,
            referral.due_at,
        )

    async def record_step(
        self, referral: Referral, action: str, reason_code: str | None, at: datetime
    ) -> None:
        """Add a step of the secretariat's case work to the referral's history."""
        await self.conn.execute(
            "INSERT INTO referral_actions (referral_id, agency_code, account_id, action, status,"
            " outcome, reason_code, at) VALUES ($1, $2, NULL, $3, $4, NULL, $5, $6)",
            referral.id,
            referral.agency_code,
            action,
            referral.status,
            reason_code,
            at,
        )

    async def audit(
        self,
        agency_code: str,
        reads: list[tuple[UUID, list[str]]],
        account_id: UUID | None = None,
    ) -> None:
        """Log reads of personal data: which referral, which fields, which person if any."""
        await self.conn.executemany(
            "INSERT INTO audit_log (agency_code, referral_id, fields, account_id)"
            " VALUES ($1, $2, $3, $4)",
            [(agency_code, referral_id, fields, account_id) for referral_id, fields in reads],
        )

    async def actions_of(self, referral_id: UUID) -> list[ActionTaken]:
        """The actions taken on a referral, in the order they were taken."""
        rows = await self.conn.fetch(
            "SELECT referral_id, agency_code, account_id, action, status, outcome, reason_code,"
            " at FROM referral_actions WHERE referral_id = $1 ORDER BY id",
            referral_id,
        )
        return [ActionTaken(**dict(r)) for r in rows]

    async def agencies(self) -> list[dict[str, Any]]:
        """The agency registry."""
        return [dict(r) for r in await self.conn.fetch("SELECT * FROM agencies ORDER BY code")]


def _new_referral(referral: Referral) -> tuple[Any, ...]:
    """The arguments ($1..$11) of a new referral's row, in the insert's column order."""
    return (
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


def _saved(row: asyncpg.Record) -> SavedAnswer | None:
    if row["request_hash"] is None:
        return None
    return SavedAnswer(row["request_hash"], json.loads(row["response"]))


def _at_hand(row: asyncpg.Record) -> ReferralAtHand:
    """A referral read with what its copy shows beside it (`_AT_HAND`'s columns)."""
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
            need_details=json.loads(row["p_need_details"]),
        )
    return ReferralAtHand(
        referral, resident, row["pii_level"] or "basic", row["erased"], row["has_webhook"]
    )


UnitOfWorkFactory = Callable[[], GatewayUnitOfWork]
"""What app.py hands to routers, subscribers and jobs: a new unit of work per call."""
