"""asyncpg queries of the intake schema, bound to a unit of work's transaction."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import asyncpg

from intake.adapters.cache import ReferenceCache
from intake.adapters.data_proposals import DataProposalQueries
from intake.adapters.erasure import ErasureQueries
from intake.adapters.listing import ListingQueries
from intake.adapters.programmes import ProgrammeQueries
from intake.domain.access import Caller
from intake.domain.complaints import Catalogue, Registered
from intake.domain.programmes import Decision
from intake.domain.tracking import TimelineEntry
from intake.service_layer.unit_of_work import (
    Decided,
    Draft,
    KeyGate,
    Reopening,
    Saved,
    SavedKey,
    Verdict,
)
from slrt_shared import idempotency
from slrt_shared.contracts.topics import TopicLayout
from slrt_shared.idempotency import IdempotencyKey
from slrt_shared.retention import RetentionRule
from slrt_shared.unit_of_work import PgUnitOfWork

__all__ = ["Caller", "IntakeUnitOfWork", "idempotency_retention"]

# The rest of the registering statement, after its `gate` (the key's insert, or a row when the
# key was saved before in the transaction). $1..$15: the complaint, its resident, the event of
# its timeline entry; $16: the needs' details; $17: the resident's code's hash; $18..$21: the
# key.
_SAVE_REST = """
dup AS (
    SELECT coalesce(array_agg(c.id ORDER BY c.received_at), '{}'::uuid[]) AS ids
    FROM complaints c JOIN residents r ON r.complaint_id = c.id
    WHERE r.nik = $10::text AND c.status <> 'closed' AND c.needs && $4::text[]
), saved AS (
    INSERT INTO complaints (id, ticket, village_code, needs, description, channel,
                            recorded_at, received_at, recorded_by, possible_duplicate_of,
                            need_details, resident_code_hash)
    SELECT $1::uuid, $2::text, $3::text, $4::text[], $5::text, $6::text, $7::timestamptz,
           $8::timestamptz, $9::text, dup.ids, $16::jsonb, $17::text
    FROM gate, dup
    ON CONFLICT (ticket) DO NOTHING
    RETURNING *
), resident AS (
    INSERT INTO residents (complaint_id, nik, name, phone, address)
    SELECT id, $10::text, $11::text, $12::text, $13::text FROM saved
), entry AS (
    INSERT INTO timeline (complaint_id, event_id, kind, at, detail)
    SELECT id, $14::uuid, 'received', $8::timestamptz, $15::jsonb FROM saved
)
SELECT EXISTS (SELECT 1 FROM gate) AS gated, saved.*
FROM (SELECT 1) AS one LEFT JOIN saved ON true
"""
_SAVE_WITH_KEY = (
    "WITH gate AS (INSERT INTO idempotency_keys (scope, key, request_hash, response)"
    " VALUES ($18::text, $19::text, $20::text, $21::jsonb)"
    " ON CONFLICT (scope, key) DO NOTHING RETURNING 1),"
) + _SAVE_REST
_SAVE = "WITH gate AS (SELECT 1)," + _SAVE_REST


# A timeline entry, once per event ($1..$6), with the change of its complaint that follows.
_ENTRY = (
    "WITH entry AS (INSERT INTO timeline (complaint_id, event_id, kind, at, agency_code, detail)"
    " VALUES ($1::uuid, $2::uuid, $3::text, $4::timestamptz, $5::text, $6::jsonb)"
    " ON CONFLICT (event_id) DO NOTHING) "
)
# A programme's case decided by the event ($9: confirmed/refused, NULL for none; $10: reason)
# is settled in the same statement, once: only an open proposal is decided (the row's update
# waits for a concurrent one and then finds it decided), and the statement returns it.
_RECORD = _ENTRY + (
    ", decided AS (UPDATE graduations SET state = $9::text, reason_code = $10::text,"
    " decided_at = $4::timestamptz WHERE complaint_id = $1::uuid AND state = 'open'"
    " AND $9::text IS NOT NULL RETURNING *), "
    "moved AS (UPDATE complaints SET status = $7::text WHERE id = $1::uuid"
    " AND array_position($8::text[], status) < array_position($8::text[], $7::text)) "
    "SELECT * FROM decided"
)
_RECORD_CLOSING = _ENTRY + (
    "UPDATE complaints SET status = 'closed', closed_at = $7::timestamptz,"
    " reopen_until = $8::timestamptz, outcomes = $9::jsonb WHERE id = $1::uuid"
)
# A reopening ($1..$9), its timeline entry ($10: its detail) and the complaint open again.
_REOPEN = """
WITH entry AS (
    INSERT INTO timeline (complaint_id, event_id, kind, at, detail)
    VALUES ($1::uuid, $8::uuid, 'reopened', $9::timestamptz, $10::jsonb)
), saved AS (
    INSERT INTO reopenings (complaint_id, reopening, scope, reason_code, note, given_by,
                            operator, event_id, at)
    VALUES ($1::uuid, $2::int, $3::text, $4::text, $5::text, $6::text, $7::text, $8::uuid,
            $9::timestamptz)
)
UPDATE complaints SET status = 'referred', closed_at = NULL, reopen_until = NULL,
                      reopenings = $2::int
WHERE id = $1::uuid
"""
_VERDICT = (
    "INSERT INTO verdicts (complaint_id, revision, solved, rating, comment, given_by, operator,"
    " at) SELECT $1::uuid, coalesce(max(revision), 0) + 1, $2::text, $3::int, $4::text,"
    " $5::text, $6::text, $7::timestamptz FROM verdicts WHERE complaint_id = $1::uuid"
    " RETURNING revision"
)


# A device's batch in one statement: each item's key gates it (taken in key order, so that two
# batches sharing keys wait for one another instead of deadlocking), the open complaints of its
# resident sharing a need (saved before, or by an earlier item of the batch) are found, and the
# gated items' complaints, residents and timeline entries are inserted; a row per item, in order.
_SAVE_BATCH = """
WITH item AS (
    SELECT * FROM jsonb_to_recordset($1::jsonb) AS x(
        ord int, id uuid, ticket text, village_code text, needs text[], description text,
        channel text, recorded_at timestamptz, received_at timestamptz, nik text, name text,
        phone text, address text, event_id uuid, detail jsonb, scope text, key text,
        request_hash text, response jsonb, need_details jsonb, resident_code_hash text)
), gate AS (
    INSERT INTO idempotency_keys (scope, key, request_hash, response)
    SELECT scope, key, request_hash, response FROM item ORDER BY scope, key
    ON CONFLICT (scope, key) DO NOTHING
    RETURNING scope, key
), gated AS (
    SELECT item.* FROM item JOIN gate USING (scope, key)
), dup AS (
    SELECT g.ord,
           coalesce(array_agg(d.id ORDER BY d.received_at) FILTER (WHERE d.id IS NOT NULL),
                    '{}'::uuid[]) AS ids
    FROM gated g LEFT JOIN LATERAL (
        SELECT c.id, c.received_at
        FROM complaints c JOIN residents r ON r.complaint_id = c.id
        WHERE r.nik = g.nik AND c.status <> 'closed' AND c.needs && g.needs
        UNION ALL
        SELECT e.id, e.received_at FROM gated e
        WHERE e.ord < g.ord AND e.nik = g.nik AND e.needs && g.needs
    ) d ON true
    GROUP BY g.ord
), saved AS (
    INSERT INTO complaints (id, ticket, village_code, needs, description, channel,
                            recorded_at, received_at, recorded_by, possible_duplicate_of,
                            need_details, resident_code_hash)
    SELECT g.id, g.ticket, g.village_code, g.needs, g.description, g.channel, g.recorded_at,
           g.received_at, $2::text, dup.ids, g.need_details, g.resident_code_hash
    FROM gated g JOIN dup USING (ord)
    ORDER BY g.ord
    ON CONFLICT (ticket) DO NOTHING
    RETURNING *
), resident AS (
    INSERT INTO residents (complaint_id, nik, name, phone, address)
    SELECT g.id, g.nik, g.name, g.phone, g.address FROM gated g JOIN saved s ON s.id = g.id
    ORDER BY g.ord
), entry AS (
    INSERT INTO timeline (complaint_id, event_id, kind, at, detail)
    SELECT g.id, g.event_id, 'received', g.received_at, g.detail
    FROM gated g JOIN saved s ON s.id = g.id
    ORDER BY g.ord
)
SELECT item.ord, gate.key IS NOT NULL AS gated, saved.*
FROM item
LEFT JOIN gate ON gate.scope = item.scope AND gate.key = item.key
LEFT JOIN saved ON saved.id = item.id
ORDER BY item.ord
"""


class IntakeUnitOfWork(
    PgUnitOfWork, ErasureQueries, ListingQueries, ProgrammeQueries, DataProposalQueries
):
    """A transaction on the intake schema with its queries."""

    def __init__(
        self, pool: asyncpg.Pool, layout: TopicLayout, cache: ReferenceCache | None = None
    ) -> None:
        super().__init__(pool, layout)
        # Without one (a command, a job), every read goes to Postgres.
        self._cache = cache or ReferenceCache(lambda: pool, "", ttl=0)

    async def catalogue(self) -> Catalogue:
        """Villages served and service codes (kept in memory a few seconds)."""
        return await self._cache.catalogue(self._load_catalogue)

    async def _load_catalogue(self) -> Catalogue:
        # in the transaction when one is open, not on a second connection
        source = self._pool if self._conn is None else self._conn
        rows = await source.fetch(
            "SELECT 'v' AS kind, code FROM villages UNION ALL SELECT 's', code FROM services"
        )
        return Catalogue(
            frozenset(r["code"] for r in rows if r["kind"] == "v"),
            frozenset(r["code"] for r in rows if r["kind"] == "s"),
        )

    async def caller(self, token_hash: str) -> Caller | None:
        """The active operator or staff member holding a token (kept in memory a few seconds)."""
        return await self._cache.caller(token_hash, self._load_caller)

    async def _load_caller(self, token_hash: str) -> Caller | None:
        row = await self._pool.fetchrow(
            "SELECT token_hash, kind, village_code, regency_code FROM operators"
            " WHERE token_hash = $1 AND revoked_at IS NULL",
            token_hash,
        )
        return Caller(**dict(row)) if row else None

    async def count_request(self, token_hash: str, window_start: datetime) -> int:
        """Count one more request of a token in a window, for good at once; the count so far."""
        count: int = await self._pool.fetchval(
            "INSERT INTO request_windows (token_hash, window_start, requests) VALUES ($1, $2, 1)"
            " ON CONFLICT (token_hash, window_start)"
            " DO UPDATE SET requests = request_windows.requests + 1 RETURNING requests",
            token_hash,
            window_start,
        )
        return count

    async def save_complaint(
        self,
        registered: Registered,
        recorded_by: str,
        received: UUID,
        gate: KeyGate | None,
    ) -> Saved:
        """Save the key (when `gate`), the complaint, its resident and its timeline entry.

        One statement: the key's row gates the rest (a key taken inserts nothing; a concurrent
        request under the key waits for the one that saved it), the ticket's unique index
        decides a collision (nothing but the key is inserted), and the open complaints of the
        resident sharing a need are found on the way.
        """
        c = registered.complaint
        row = await self.conn.fetchrow(
            _SAVE_WITH_KEY if gate else _SAVE,
            registered.complaint_id,
            registered.ticket,
            c.village_code,
            list(c.needs),
            c.description,
            c.channel,
            c.recorded_at,
            registered.received_at,
            recorded_by,
            c.resident.nik,
            c.resident.name,
            c.resident.phone,
            c.resident.address,
            received,
            json.dumps(_detail(TimelineEntry(registered.received_at, "received"))),
            json.dumps(dict(c.need_details)),
            registered.resident_code_hash,
            *(
                (gate.key.scope, gate.key.key, gate.request_hash, json.dumps(gate.response))
                if gate
                else ()
            ),
        )
        assert row is not None
        if not row["gated"]:
            return Saved(key_taken=True, row=None)
        if row["id"] is None:
            return Saved(key_taken=False, row=None)
        saved = dict(row)
        del saved["gated"]
        saved.update(
            nik=c.resident.nik,
            name=c.resident.name,
            phone=c.resident.phone,
            address=c.resident.address,
        )
        return Saved(key_taken=False, row=saved)

    async def save_complaints(self, drafts: Sequence[Draft], recorded_by: str) -> list[Saved]:
        """Save several complaints, each gated by its key, in one statement; what each did.

        As `save_complaint` item by item (an item's key taken inserts nothing of it; a ticket
        taken inserts only its key), the keys distinct; an item's possible duplicates include
        the earlier items of the same resident and need.
        """
        items = [
            {
                "ord": n,
                "id": str(d.registered.complaint_id),
                "ticket": d.registered.ticket,
                "village_code": d.registered.complaint.village_code,
                "needs": list(d.registered.complaint.needs),
                "description": d.registered.complaint.description,
                "channel": d.registered.complaint.channel,
                "recorded_at": d.registered.complaint.recorded_at.isoformat(),
                "received_at": d.registered.received_at.isoformat(),
                "nik": d.registered.complaint.resident.nik,
                "name": d.registered.complaint.resident.name,
                "phone": d.registered.complaint.resident.phone,
                "address": d.registered.complaint.resident.address,
                "event_id": str(d.received),
                "detail": _detail(TimelineEntry(d.registered.received_at, "received")),
                "scope": d.gate.key.scope,
                "key": d.gate.key.key,
                "request_hash": d.gate.request_hash,
                "response": dict(d.gate.response),
                "need_details": dict(d.registered.complaint.need_details),
                "resident_code_hash": d.registered.resident_code_hash,
            }
            for n, d in enumerate(drafts)
        ]
        rows = await self.conn.fetch(_SAVE_BATCH, json.dumps(items), recorded_by)
        found = []
        for draft, row in zip(drafts, rows, strict=True):
            if not row["gated"]:
                found.append(Saved(key_taken=True, row=None))
                continue
            if row["id"] is None:
                found.append(Saved(key_taken=False, row=None))
                continue
            saved = dict(row)
            del saved["gated"], saved["ord"]
            resident = draft.registered.complaint.resident
            saved.update(
                nik=resident.nik, name=resident.name, phone=resident.phone, address=resident.address
            )
            found.append(Saved(key_taken=False, row=saved))
        return found

    async def saved_under(self, key: IdempotencyKey) -> SavedKey | None:
        """The request hash saved under a key, with the complaint it registered (None: new key)."""
        row = await self.conn.fetchrow(
            "SELECT k.request_hash, k.response ->> 'complaint_id' AS saved_for,"
            " c.*, r.nik, r.name, r.phone, r.address"
            " FROM idempotency_keys k"
            " LEFT JOIN complaints c ON c.id = (k.response ->> 'complaint_id')::uuid"
            " LEFT JOIN residents r ON r.complaint_id = c.id"
            " WHERE k.scope = $1 AND k.key = $2",
            key.scope,
            key.key,
        )
        if row is None:
            return None
        found = dict(row)
        request_hash, saved_for = found.pop("request_hash"), UUID(found.pop("saved_for"))
        return SavedKey(request_hash, saved_for, found if found["id"] is not None else None)

    async def saved_under_each(
        self, keys: Sequence[IdempotencyKey]
    ) -> dict[IdempotencyKey, SavedKey]:
        """What each of several keys saved (as `saved_under`), in one query; new keys absent."""
        rows = await self.conn.fetch(
            "SELECT k.scope AS key_scope, k.key AS key_key, k.request_hash,"
            " k.response ->> 'complaint_id' AS saved_for,"
            " c.*, r.nik, r.name, r.phone, r.address"
            " FROM unnest($1::text[], $2::text[]) AS w(scope, key)"
            " JOIN idempotency_keys k ON k.scope = w.scope AND k.key = w.key"
            " LEFT JOIN complaints c ON c.id = (k.response ->> 'complaint_id')::uuid"
            " LEFT JOIN residents r ON r.complaint_id = c.id",
            [k.scope for k in keys],
            [k.key for k in keys],
        )
        found = {}
        for row in rows:
            held = dict(row)
            key = IdempotencyKey(held.pop("key_scope"), held.pop("key_key"))
            request_hash, saved_for = held.pop("request_hash"), UUID(held.pop("saved_for"))
            found[key] = SavedKey(request_hash, saved_for, held if held["id"] is not None else None)
        return found

    async def forget_windows_before(self, moment: datetime) -> None:
        """Drop request counts of windows that have closed."""
        await self.conn.execute("DELETE FROM request_windows WHERE window_start < $1", moment)

    async def services(self) -> list[asyncpg.Record]:
        """The service catalogue."""
        rows: list[asyncpg.Record] = await self.conn.fetch("SELECT * FROM services ORDER BY code")
        return rows

    async def villages_of(self, regency: str) -> list[asyncpg.Record]:
        """Villages of a regency."""
        rows: list[asyncpg.Record] = await self.conn.fetch(
            "SELECT code, name FROM villages WHERE regency_code = $1 ORDER BY code", regency
        )
        return rows

    async def open311_requests(
        self,
        regency: str,
        tickets: list[str],
        service_code: str | None,
        start: datetime | None,
        end: datetime | None,
        limit: int,
        public_codes: list[str],
        scope: str | None,
    ) -> list[asyncpg.Record]:
        """Public columns of complaints, filtered as Open311 GET requests asks.

        Only complaints whose every need is in `public_codes`, unless in the caller's `scope`
        (a village, or a regency with all its villages).
        """
        rows: list[asyncpg.Record] = await self.conn.fetch(
            "SELECT c.id, c.ticket, c.needs, c.received_at, s.name_id AS service_name"
            " FROM complaints c JOIN villages v ON v.code = c.village_code"
            " JOIN services s ON s.code = c.needs[1]"
            " WHERE v.regency_code = $1"
            " AND (cardinality($2::text[]) = 0 OR c.ticket = ANY($2))"
            " AND ($3::text IS NULL OR $3 = ANY(c.needs))"
            " AND ($4::timestamptz IS NULL OR c.received_at >= $4)"
            " AND ($5::timestamptz IS NULL OR c.received_at < $5)"
            " AND (c.needs <@ $7::text[] OR c.village_code = $8"
            " OR starts_with(c.village_code, $8 || '.'))"
            " ORDER BY c.received_at DESC LIMIT $6",
            regency,
            tickets,
            service_code,
            start,
            end,
            limit,
            public_codes,
            scope,
        )
        return rows

    async def complaint(self, complaint_id: UUID) -> dict[str, Any] | None:
        """A complaint with its resident's data (for the operator and staff; None once erased)."""
        row = await self.conn.fetchrow(
            "SELECT c.*, r.nik, r.name, r.phone, r.address FROM complaints c"
            " LEFT JOIN residents r ON r.complaint_id = c.id WHERE c.id = $1",
            complaint_id,
        )
        if row is None:
            return None
        found = dict(row)
        details = found["need_details"]
        found["need_details"] = json.loads(details) if details is not None else None
        return found

    async def lock_complaint(self, complaint_id: UUID) -> None:
        """Hold the complaint's row for this transaction (completions of it wait in turn)."""
        await self.conn.execute("SELECT 1 FROM complaints WHERE id = $1 FOR UPDATE", complaint_id)

    async def correct_need_detail(self, complaint_id: UUID, service_code: str, text: str) -> None:
        """Replace what the operator wrote for one need of the complaint."""
        await self.conn.execute(
            "UPDATE complaints SET need_details = coalesce(need_details, '{}'::jsonb)"
            " || jsonb_build_object($2::text, $3::text) WHERE id = $1",
            complaint_id,
            service_code,
            text,
        )

    async def log_pii_read(self, reader: str, complaint_id: UUID, fields: list[str]) -> None:
        """Record that a caller read a resident's personal data."""
        await self.conn.execute(
            "INSERT INTO pii_reads (reader, complaint_id, fields) VALUES ($1, $2, $3)",
            reader,
            complaint_id,
            fields,
        )

    async def open_complaints_of_nik(self, nik: str, needs: list[str]) -> list[dict[str, Any]]:
        """Open complaints of a NIK with one of the needs, as registration links duplicates."""
        rows = await self.conn.fetch(
            "SELECT c.id, c.ticket, c.village_code, c.needs, c.received_at"
            " FROM complaints c JOIN residents r ON r.complaint_id = c.id"
            " WHERE r.nik = $1 AND c.status <> 'closed' AND c.needs && $2::text[]"
            " ORDER BY c.received_at",
            nik,
            needs,
        )
        return [dict(row) for row in rows]

    async def public_complaint(self, ticket: str) -> asyncpg.Record | None:
        """The public columns of a complaint found by ticket."""
        return await self.conn.fetchrow(
            "SELECT c.id, c.ticket, c.status, c.needs, c.received_at, c.closed_at,"
            " c.reopen_until, c.reopenings, v.code AS village_code, v.name AS village_name"
            " FROM complaints c JOIN villages v ON v.code = c.village_code WHERE c.ticket = $1",
            ticket,
        )

    async def resident_code_of(self, ticket: str) -> tuple[UUID, str | None] | None:
        """The id of the complaint with a ticket and the hash of its resident's code."""
        row = await self.conn.fetchrow(
            "SELECT id, resident_code_hash FROM complaints WHERE ticket = $1", ticket
        )
        return (row["id"], row["resident_code_hash"]) if row else None

    async def timeline(self, complaint_id: UUID) -> list[TimelineEntry]:
        """The complaint's timeline in time order."""
        rows = await self.conn.fetch(
            "SELECT at, kind, agency_code, detail FROM timeline WHERE complaint_id = $1"
            " ORDER BY at, id",
            complaint_id,
        )
        return [_entry(r) for r in rows]

    async def timelines(self, complaint_ids: list[UUID]) -> dict[UUID, list[TimelineEntry]]:
        """The timelines of several complaints in one query, each in time order."""
        rows = await self.conn.fetch(
            "SELECT complaint_id, at, kind, agency_code, detail FROM timeline"
            " WHERE complaint_id = ANY($1::uuid[]) ORDER BY complaint_id, at, id",
            complaint_ids,
        )
        found: dict[UUID, list[TimelineEntry]] = {c: [] for c in complaint_ids}
        for r in rows:
            found[r["complaint_id"]].append(_entry(r))
        return found

    async def append(self, complaint_id: UUID, event_id: UUID, entry: TimelineEntry) -> None:
        """Add a timeline entry once per event."""
        await self.conn.execute(
            "INSERT INTO timeline (complaint_id, event_id, kind, at, agency_code, detail)"
            " VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (event_id) DO NOTHING",
            complaint_id,
            event_id,
            entry.kind,
            entry.at,
            entry.agency_code,
            json.dumps(_detail(entry)),
        )

    async def record(
        self,
        complaint_id: UUID,
        event_id: UUID,
        entry: TimelineEntry,
        status: str,
        order: Sequence[str],
        decision: Decision | None = None,
        reason_code: str | None = None,
    ) -> Decided | None:
        """Add a timeline entry once per event and move the complaint on to `status`; decide
        its open graduation proposal, if it is one, when `decision` (returned when it did).

        One statement. The status changes only where it is not yet as far along in `order`: the
        row's update waits for any other transaction changing it and then judges the committed
        status, so handlers side by side never set it back.
        """
        row = await self.conn.fetchrow(
            _RECORD,
            complaint_id,
            event_id,
            entry.kind,
            entry.at,
            entry.agency_code,
            json.dumps(_detail(entry)),
            status,
            list(order),
            decision,
            reason_code,
        )
        if row is None:
            return None
        return Decided(
            complaint_id=row["complaint_id"],
            village_code=row["village_code"],
            facilitator_code=row["facilitator_code"],
            kind=row["kind"],
            decision=row["state"],
            reason_code=row["reason_code"],
            proposed_at=row["proposed_at"],
            decided_at=row["decided_at"],
        )

    async def record_closing(
        self,
        complaint_id: UUID,
        event_id: UUID,
        entry: TimelineEntry,
        closed_at: datetime,
        reopen_until: datetime | None = None,
        outcomes: Sequence[Mapping[str, str]] = (),
    ) -> None:
        """Add the closing's timeline entry once per event and mark the complaint closed, with
        until when it may be reopened and each need's outcome."""
        await self.conn.execute(
            _RECORD_CLOSING,
            complaint_id,
            event_id,
            entry.kind,
            entry.at,
            entry.agency_code,
            json.dumps(_detail(entry)),
            closed_at,
            reopen_until,
            json.dumps([dict(o) for o in outcomes]),
        )

    async def closure(self, ticket: str) -> dict[str, Any] | None:
        """The complaint of a ticket, locked: its closure and its resident's code's hash."""
        row = await self.conn.fetchrow(
            "SELECT id, ticket, village_code, resident_code_hash, status, closed_at,"
            " reopen_until, reopenings, outcomes FROM complaints WHERE ticket = $1 FOR UPDATE",
            ticket,
        )
        if row is None:
            return None
        found = dict(row)
        outcomes = found["outcomes"]
        found["outcomes"] = json.loads(outcomes) if outcomes is not None else None
        return found

    async def save_reopening(self, reopening: Reopening) -> None:
        """Save a reopening with its timeline entry; the complaint is open again."""
        detail = {"reason_code": reopening.reason_code}
        await self.conn.execute(
            _REOPEN,
            reopening.complaint_id,
            reopening.reopening,
            reopening.scope,
            reopening.reason_code,
            reopening.note,
            reopening.given_by,
            reopening.operator,
            reopening.event_id,
            reopening.at,
            json.dumps(detail),
        )

    async def save_verdict(self, verdict: Verdict) -> int:
        """Save a verdict as the complaint's next revision; that revision."""
        revision = await self.conn.fetchval(
            _VERDICT,
            verdict.complaint_id,
            verdict.solved,
            verdict.rating,
            verdict.comment,
            verdict.given_by,
            verdict.operator,
            verdict.at,
        )
        return int(revision)


def _detail(entry: TimelineEntry) -> dict[str, str | int]:
    due = entry.due_at.isoformat() if entry.due_at else None
    kept: tuple[tuple[str, str | int | None], ...] = (
        ("outcome", entry.outcome),
        ("level", entry.level),
        ("due_at", due),
        ("stage", entry.stage),
        ("stage_index", entry.stage_index),
        ("stages_total", entry.stages_total),
        ("reason_code", entry.reason_code),
        ("referral_id", entry.referral_id),
        ("service_code", entry.service_code),
    )
    return {k: v for k, v in kept if v is not None}


def _entry(row: asyncpg.Record) -> TimelineEntry:
    detail = json.loads(row["detail"])
    due = detail.get("due_at")
    return TimelineEntry(
        row["at"],
        row["kind"],
        row["agency_code"],
        detail.get("outcome"),
        detail.get("level"),
        datetime.fromisoformat(due) if due else None,
        stage=detail.get("stage"),
        stage_index=detail.get("stage_index"),
        stages_total=detail.get("stages_total"),
        reason_code=detail.get("reason_code"),
        referral_id=detail.get("referral_id"),
        service_code=detail.get("service_code"),
    )


def idempotency_retention(days: float) -> RetentionRule:
    """Idempotency keys, forgotten `days` after the complaint they registered.

    Only the key goes: the complaint stays. A resend after that registers the complaint again.
    """
    return idempotency.retention_rule("idempotency_keys", timedelta(days=days))
