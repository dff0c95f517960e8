"""asyncpg queries of the referral schema, bound to a unit of work's transaction."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import astuple, fields
from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg

from referral.adapters.calendar import PgCalendarStore
from referral.adapters.rule_cache import RULE_SQL, RoutingRules, pick, rule_of, stages_of
from referral.adapters.staff_accounts import StaffQueries, staff_of
from referral.domain.casework import QueueQuery
from referral.domain.casework_log import CaseAction
from referral.domain.referrals import Asked, Case, Referral, Transition
from referral.domain.routing import RegisteredAgency, RoutingRule
from referral.domain.staff import Staff
from referral.domain.stages import Stage
from slrt_shared.contracts.referral_states import Outcome
from slrt_shared.contracts.topics import TopicLayout
from slrt_shared.unit_of_work import PgUnitOfWork

UPSERT_AGENCY = (
    "INSERT INTO agencies (code, name_id, name_en, kind, registered_at)"
    " VALUES ($1, $2, $3, $4, $5) ON CONFLICT (code) DO UPDATE SET name_id = EXCLUDED.name_id,"
    " name_en = EXCLUDED.name_en, kind = EXCLUDED.kind, registered_at = EXCLUDED.registered_at"
)


class ReferralUnitOfWork(PgUnitOfWork, StaffQueries):
    """A transaction on the referral schema with its queries (rules from the process's cache)."""

    def __init__(
        self, pool: asyncpg.Pool, layout: TopicLayout, rules: RoutingRules | None = None
    ) -> None:
        super().__init__(pool, layout)
        self._rules = rules
        # A transaction that changed a rule reads its own change, never the committed rules.
        self._rules_changed = False

    @property
    def calendar(self) -> PgCalendarStore:
        """The stored holiday calendar, in this transaction."""
        return PgCalendarStore(self.conn)

    async def rule(self, service_code: str, kecamatan_code: str = "") -> RoutingRule | None:
        """The rule of a service: the kecamatan's override if there is one, else the district's."""
        if self._rules is not None and not self._rules_changed:
            kept = await self._rules.rules(self.conn)
            if kept is not None:
                return pick(kept, service_code, kecamatan_code)
        row = await self.conn.fetchrow(RULE_SQL, service_code, kecamatan_code)
        return rule_of(row) if row is not None else None

    async def rules(self) -> list[dict[str, Any]]:
        """Every current rule, overrides after the district rule of each service."""
        rows = await self.conn.fetch("SELECT * FROM routing_rules ORDER BY service_code, scope")
        return [_with_stages(r) for r in rows]

    async def rule_history(self, service_code: str) -> list[dict[str, Any]]:
        """Every version of a service's rules, newest first."""
        rows = await self.conn.fetch(
            "SELECT * FROM routing_rule_history WHERE service_code = $1"
            " ORDER BY scope, version DESC",
            service_code,
        )
        return [_with_stages(r) for r in rows]

    async def save_rule(
        self,
        service_code: str,
        scope: str,
        agencies: list[str],
        sla_working_days: int,
        by: str,
        stages: Sequence[Stage] = (),
    ) -> int:
        """Save a new version of a rule; return its version."""
        self._rules_changed = True
        stored = json.dumps([stage.as_dict() for stage in stages])
        version = await self.conn.fetchval(
            "INSERT INTO routing_rules (service_code, scope, agencies, sla_working_days, version,"
            " updated_at, updated_by, stages) VALUES ($1, $2, $3, $4,"
            " COALESCE((SELECT max(version) FROM routing_rule_history"
            "  WHERE service_code = $1 AND scope = $2), 0) + 1, now(), $5, $6::jsonb)"
            " ON CONFLICT (service_code, scope) DO UPDATE SET agencies = EXCLUDED.agencies,"
            " sla_working_days = EXCLUDED.sla_working_days, version = EXCLUDED.version,"
            " updated_at = now(), updated_by = EXCLUDED.updated_by, stages = EXCLUDED.stages"
            " RETURNING version",
            service_code,
            scope,
            agencies,
            sla_working_days,
            by,
            stored,
        )
        await self.conn.execute(
            "INSERT INTO routing_rule_history (service_code, scope, version, agencies,"
            " sla_working_days, changed_by, stages) VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb)",
            service_code,
            scope,
            version,
            agencies,
            sla_working_days,
            by,
            stored,
        )
        return int(version)

    async def need_stages(self, complaint_id: UUID, service_code: str) -> tuple[Stage, ...]:
        """The stages a need of a case passes (none: a single-step need)."""
        stored = await self.conn.fetchval(
            "SELECT stages FROM need_stages WHERE complaint_id = $1 AND service_code = $2",
            complaint_id,
            service_code,
        )
        return stages_of(stored)

    async def keep_need_stages(
        self, complaint_id: UUID, service_code: str, stages: Sequence[Stage], rule_version: int
    ) -> None:
        """Keep the stages a need will pass, as its rule has them now."""
        await self.conn.execute(
            "INSERT INTO need_stages (complaint_id, service_code, stages, rule_version)"
            " VALUES ($1, $2, $3::jsonb, $4) ON CONFLICT DO NOTHING",
            complaint_id,
            service_code,
            json.dumps([stage.as_dict() for stage in stages]),
            rule_version,
        )

    async def conclude(self, referral_id: UUID, outcome: Outcome, at: datetime) -> None:
        """Give a rejected referral the outcome its need ends with (a decision's rejection)."""
        await self.conn.execute(
            "UPDATE referrals SET outcome = $2, resolved_at = $3, next_breach_at = NULL"
            " WHERE id = $1",
            referral_id,
            outcome,
            at,
        )

    async def remove_override(self, service_code: str, scope: str, by: str) -> int | None:
        """Remove a kecamatan's override, keeping its history; the removal's version."""
        self._rules_changed = True
        version = await self.conn.fetchval(
            "DELETE FROM routing_rules WHERE service_code = $1 AND scope = $2 AND scope <> ''"
            " RETURNING version",
            service_code,
            scope,
        )
        if version is None:
            return None
        await self.conn.execute(
            "INSERT INTO routing_rule_history (service_code, scope, version, removed, changed_by)"
            " VALUES ($1, $2, $3, true, $4)",
            service_code,
            scope,
            version + 1,
            by,
        )
        return int(version) + 1

    async def agency_codes(self) -> frozenset[str]:
        """Codes of the agencies a rule may name."""
        return frozenset(r["code"] for r in await self.conn.fetch("SELECT code FROM agencies"))

    async def save_agency(self, agency: RegisteredAgency) -> None:
        """Add an agency a rule may name, or update it (by code)."""
        await self.conn.execute(UPSERT_AGENCY, *astuple(agency))

    async def overdue(self, now: datetime, limit: int) -> list[Referral]:
        """Open referrals past their next breach, locked; rows another replica holds are skipped."""
        rows = await self.conn.fetch(
            "SELECT * FROM referrals WHERE next_breach_at IS NOT NULL AND next_breach_at < $1"
            " AND status IN ('dispatched', 'acknowledged', 'in_progress')"
            " ORDER BY next_breach_at LIMIT $2 FOR UPDATE SKIP LOCKED",
            now,
            limit,
        )
        return [_referral(r) for r in rows]

    async def mark_escalated(
        self, referral_id: UUID, level: str, at: datetime, next_breach_at: datetime | None
    ) -> None:
        """Record an escalation and when the referral breaches next (None: top reached)."""
        await self.conn.execute(
            "UPDATE referrals SET escalation_level = $2, escalated_at = $3, next_breach_at = $4"
            " WHERE id = $1",
            referral_id,
            level,
            at,
            next_breach_at,
        )

    async def extend_due(self, referral_id: UUID, due_at: datetime) -> None:
        """Move a referral's due date (and its next breach) later."""
        await self.conn.execute(
            "UPDATE referrals SET due_at = $2, next_breach_at = $2 WHERE id = $1",
            referral_id,
            due_at,
        )

    async def withdraw(self, referral_id: UUID, moved_to_service: str | None = None) -> None:
        """End a referral as withdrawn by the secretariat (its need triaged on to another
        service, if named)."""
        await self.conn.execute(
            "UPDATE referrals SET status = 'withdrawn', next_breach_at = NULL,"
            " moved_to_service = $2 WHERE id = $1",
            referral_id,
            moved_to_service,
        )

    async def record_action(self, action: CaseAction) -> None:
        """Keep what a person did on a referral in the case's history."""
        await self.conn.execute(
            "INSERT INTO case_actions (referral_id, complaint_id, action, reason_code,"
            " due_before, due_after, account_id, by_name, at, service_code, to_agency_code,"
            " outcome, note) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
            *astuple(action),
        )

    async def actions(self, referral_id: UUID) -> list[dict[str, Any]]:
        """What people did on a referral, oldest first."""
        rows = await self.conn.fetch(
            "SELECT action, reason_code, due_before, due_after, account_id, by_name, at,"
            " service_code, to_agency_code, outcome, note"
            " FROM case_actions WHERE referral_id = $1 ORDER BY id",
            referral_id,
        )
        return [dict(r) for r in rows]

    async def case_actions(self, complaint_id: UUID) -> list[dict[str, Any]]:
        """What people did on any referral of a case, oldest first."""
        rows = await self.conn.fetch(
            "SELECT referral_id, action, reason_code, due_before, due_after, account_id, by_name,"
            " at, service_code, to_agency_code, outcome, note"
            " FROM case_actions WHERE complaint_id = $1 ORDER BY id",
            complaint_id,
        )
        return [dict(r) for r in rows]

    async def agencies(self) -> list[dict[str, Any]]:
        """The agencies a referral may go to, with their names, by code."""
        rows = await self.conn.fetch(
            "SELECT code, name_id, name_en, kind FROM agencies ORDER BY code"
        )
        return [dict(r) for r in rows]

    async def queue(self, query: QueueQuery, limit: int) -> list[dict[str, Any]]:
        """Open referrals the query selects, with their case's ticket and village, due first."""
        rows = await self.conn.fetch(
            "SELECT r.*, c.ticket, c.village_code FROM referrals r"
            " JOIN cases c USING (complaint_id)"
            " WHERE r.status IN ('dispatched', 'acknowledged', 'in_progress')"
            " AND ($1::text IS NULL OR starts_with(c.village_code, $1 || '.'))"
            " AND ($2::text IS NULL OR r.agency_code = $2)"
            " AND ($3::timestamptz IS NULL OR r.due_at < $3)"
            " AND ($4::text[] IS NULL OR r.escalation_level = ANY($4))"
            " ORDER BY r.due_at, r.id LIMIT $5",
            query.area,
            query.agency_code,
            query.due_before,
            list(query.escalation_levels) if query.escalation_levels is not None else None,
            limit,
        )
        return [dict(r) for r in rows]

    async def open_case(self, case: Case) -> bool:
        """Open a case; False if it exists already."""
        inserted = await self.conn.fetchval(
            "INSERT INTO cases (complaint_id, ticket, village_code, status, opened_at)"
            " VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING RETURNING true",
            case.complaint_id,
            case.ticket,
            case.village_code,
            case.status,
            case.opened_at,
        )
        return bool(inserted)

    async def case(self, complaint_id: UUID, *, for_update: bool = False) -> Case | None:
        """A case, locked for the transaction when it may be closed."""
        lock = " FOR UPDATE" if for_update else ""
        row = await self.conn.fetchrow(
            f"SELECT * FROM cases WHERE complaint_id = $1{lock}", complaint_id
        )
        return _case(row) if row else None

    async def close_case(self, complaint_id: UUID, closed_at: datetime) -> None:
        """Mark a case closed."""
        await self.conn.execute(
            "UPDATE cases SET status = 'closed', closed_at = $2"
            " WHERE complaint_id = $1 AND status = 'open'",
            complaint_id,
            closed_at,
        )

    async def reopen_case(self, complaint_id: UUID, reopening: int) -> None:
        """Mark a closed case open again for its `reopening`-th reopening."""
        await self.conn.execute(
            "UPDATE cases SET status = 'open', closed_at = NULL, reopenings = $2"
            " WHERE complaint_id = $1",
            complaint_id,
            reopening,
        )

    async def add_referral(self, referral: Referral) -> None:
        """Save a new referral."""
        await self.conn.execute(
            "INSERT INTO referrals (id, complaint_id, service_code, agency_code, attempt, status,"
            " rule_version, rule_scope, sla_working_days, dispatched_at, due_at, bounces,"
            " next_breach_at, calendar_complete, stage, stage_index, stages_total)"
            " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16,"
            " $17)",
            referral.id,
            referral.complaint_id,
            referral.service_code,
            referral.agency_code,
            referral.attempt,
            referral.status,
            referral.rule_version,
            referral.rule_scope,
            referral.sla_working_days,
            referral.dispatched_at,
            referral.due_at,
            referral.bounces,
            referral.next_breach_at,
            referral.calendar_complete,
            referral.stage,
            referral.stage_index,
            referral.stages_total,
        )

    async def referral(self, referral_id: UUID, *, for_update: bool = False) -> Referral | None:
        """A referral, locked for the transaction when it is to be changed."""
        lock = " FOR UPDATE" if for_update else ""
        row = await self.conn.fetchrow(f"SELECT * FROM referrals WHERE id = $1{lock}", referral_id)
        return _referral(row) if row else None

    async def referrals_of(self, complaint_id: UUID) -> list[Referral]:
        """Every referral of a case, by need and attempt."""
        rows = await self.conn.fetch(
            "SELECT * FROM referrals WHERE complaint_id = $1 ORDER BY service_code, attempt",
            complaint_id,
        )
        return [_referral(r) for r in rows]

    async def set_status(
        self, referral_id: UUID, status: str, reason_code: str | None, asked: Asked | None = None
    ) -> None:
        """Change a referral's status (one that is over no longer breaches), logging `asked`."""
        await self.conn.execute(
            _logged(asked)
            + "UPDATE referrals SET status = $2, reason_code = COALESCE($3, reason_code),"
            " next_breach_at = CASE WHEN $2 IN ('rejected', 'resolved', 'withdrawn') THEN NULL"
            " ELSE next_breach_at END WHERE id = $1",
            referral_id,
            status,
            reason_code,
            *_log_args(asked),
        )

    async def resolve(
        self, referral_id: UUID, outcome: Outcome, at: datetime, asked: Asked | None = None
    ) -> None:
        """Record a referral's outcome, logging `asked` in the same statement."""
        await self.conn.execute(
            _logged(asked) + "UPDATE referrals SET status = 'resolved', outcome = $2,"
            " resolved_at = $3, next_breach_at = NULL WHERE id = $1",
            referral_id,
            outcome,
            at,
            *_log_args(asked),
        )

    async def log_transition(
        self, referral_id: UUID, event_id: UUID, decision: Transition, at: datetime
    ) -> None:
        """Record a status change asked of a referral, accepted or refused."""
        await self.conn.execute(
            "INSERT INTO transition_log"
            " (referral_id, event_id, from_status, to_status, accepted, reason, at)"
            " VALUES ($1, $2, $3, $4, $5, $6, $7)",
            referral_id,
            event_id,
            decision.from_status,
            decision.to_status,
            decision.accepted,
            decision.reason,
            at,
        )

    async def transitions(self, referral_id: UUID) -> list[dict[str, Any]]:
        """Every status change asked of a referral, oldest first."""
        rows = await self.conn.fetch(
            "SELECT from_status, to_status, accepted, reason, at FROM transition_log"
            " WHERE referral_id = $1 ORDER BY id",
            referral_id,
        )
        return [dict(r) for r in rows]

    async def staff(self, token_hash: str) -> Staff | None:
        """District staff, the admin, or the person of an active personal account."""
        row = await self.conn.fetchrow(
            "SELECT kind, regency_code FROM staff_tokens WHERE token_hash = $1", token_hash
        )
        if row:
            return Staff(row["kind"], row["regency_code"])
        account = await self.conn.fetchrow(
            "SELECT id, kind, area_code, name FROM staff_accounts"
            " WHERE token_hash = $1 AND revoked_at IS NULL",
            token_hash,
        )
        return staff_of(account) if account else None


def _logged(asked: Asked | None) -> str:
    """A data-modifying CTE logging the change asked ($4 to $9) beside a change of referral $1."""
    if asked is None:
        return ""
    return (
        "WITH logged AS (INSERT INTO transition_log"
        " (referral_id, event_id, from_status, to_status, accepted, reason, at)"
        " VALUES ($1, $4, $5, $6, $7, $8, $9)) "
    )


def _log_args(asked: Asked | None) -> tuple[Any, ...]:
    """The arguments of `_logged`, none without a change to log."""
    if asked is None:
        return ()
    d = asked.decision
    return (asked.event_id, d.from_status, d.to_status, d.accepted, d.reason, asked.at)


def _with_stages(row: asyncpg.Record) -> dict[str, Any]:
    """A rule's row with its stages decoded."""
    rule = dict(row)
    rule["stages"] = [stage.as_dict() for stage in stages_of(rule.get("stages"))]
    return rule


def _case(row: asyncpg.Record) -> Case:
    return Case(
        complaint_id=row["complaint_id"],
        ticket=row["ticket"],
        village_code=row["village_code"],
        status=row["status"],
        opened_at=row["opened_at"],
        closed_at=row["closed_at"],
        reopenings=row["reopenings"],
    )


def _referral(row: asyncpg.Record) -> Referral:
    return Referral(**{name: row[name] for name in _REFERRAL_FIELDS})


_REFERRAL_FIELDS = tuple(f.name for f in fields(Referral))


UnitOfWorkFactory = Callable[[], ReferralUnitOfWork]
