"""asyncpg queries of the monitoring schema."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any
from uuid import UUID

from monitoring.domain.measures import AgencyTally, ComplaintFact, ReferralFact, Tally
from slrt_shared.contracts.reasons import FALLBACK
from slrt_shared.unit_of_work import PgUnitOfWork

MICROSECONDS_PER_DAY = 86_400_000_000


def _days(micros: list[int] | None) -> list[float]:
    # Durations travel as whole microseconds so the division is the one timedelta / DAY does.
    return [m / MICROSECONDS_PER_DAY for m in micros or ()]


def _micros(expression: str) -> str:
    return f"(extract(epoch FROM {expression}) * 1000000)::bigint"


def _scope(column: str, regencies: list[str] | None, first: int) -> str:
    # Spelled out rather than `$n IS NULL OR ...`, so a prepared statement keeps its index plan.
    return "" if regencies is None else f" AND {column} = ANY(${first}::text[])"


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
            " r.acknowledged_at, r.resolved_at, r.rejected, r.escalations, r.reason_code"
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
                r["reason_code"],
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

    async def digests(self, period: str) -> dict[tuple[str, str], str]:
        """Digest of each published ranking of a period, by (regency, level)."""
        rows = await self.conn.fetch(
            "SELECT regency_code, level, digest FROM ranking_snapshots WHERE period = $1", period
        )
        return {(r["regency_code"], r["level"]): r["digest"] for r in rows}

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

    async def tallies(
        self,
        regencies: list[str] | None,
        start: datetime | None,
        end: datetime | None,
        level: str,
        now: datetime,
    ) -> dict[str, Tally]:
        """Each village's or kecamatan's tally over complaints received in [start, end).

        One pass over the facts for any number of regencies (None: all of them), counted by
        Postgres, so the country's ranking needs no row per complaint in Python.
        """
        area = "village_code" if level == "village" else "kecamatan_code"
        args: list[Any] = [start, end, now]
        scope = _scope("c.regency_code", regencies, 4)
        if regencies is not None:
            args.append(regencies)
        window = (
            " AND ($1::timestamptz IS NULL OR c.received_at >= $1)"
            " AND ($2::timestamptz IS NULL OR c.received_at < $2)"
        )
        complaints = await self.conn.fetch(
            f"SELECT c.{area} AS area, count(*) AS received,"
            " count(*) FILTER (WHERE c.received_at - c.recorded_at <= interval '1 day') AS prompt,"
            f" array_agg({_micros('c.closed_at - c.received_at')})"
            "  FILTER (WHERE c.closed_at IS NOT NULL) AS to_close,"
            f" array_agg({_micros('$3 - c.received_at')})"
            "  FILTER (WHERE c.closed_at IS NULL) AS open_ages"
            " FROM complaint_facts c WHERE c.received_at IS NOT NULL"
            f"{window}{scope} GROUP BY 1",
            *args,
        )
        referrals = await self.conn.fetch(
            f"SELECT c.{area} AS area,"
            " count(*) FILTER (WHERE r.due_at IS NOT NULL AND NOT r.rejected"
            "  AND (r.resolved_at IS NOT NULL OR r.due_at < $3)) AS judged,"
            " count(*) FILTER (WHERE r.due_at IS NOT NULL AND NOT r.rejected"
            "  AND r.resolved_at <= r.due_at) AS met,"
            " sum(r.escalations) AS escalations,"
            " count(*) FILTER (WHERE r.attempt > 1) AS re_referrals"
            " FROM referral_facts r JOIN complaint_facts c USING (complaint_id)"
            f" WHERE c.received_at IS NOT NULL{window}{scope} GROUP BY 1",
            *args,
        )
        by_area = {r["area"]: r for r in referrals}
        out = {}
        for c in complaints:
            r = by_area.get(c["area"])
            out[c["area"]] = Tally(
                received=c["received"],
                registered_within_a_day=c["prompt"],
                days_to_close=_days(c["to_close"]),
                open_ages=_days(c["open_ages"]),
                sla_judged=r["judged"] if r else 0,
                sla_met=r["met"] if r else 0,
                escalations=int(r["escalations"] or 0) if r else 0,
                re_referrals=r["re_referrals"] if r else 0,
            )
        return out

    async def agency_tallies(
        self,
        regencies: list[str] | None,
        start: datetime | None,
        end: datetime | None,
        now: datetime,
    ) -> dict[tuple[str, str | None], AgencyTally]:
        """Each (regency, agency)'s tally over referrals dispatched in [start, end)."""
        args: list[Any] = [start, end, now]
        scope = _scope("c.regency_code", regencies, 4)
        if regencies is not None:
            args.append(regencies)
        rows = await self.conn.fetch(
            "SELECT c.regency_code, r.agency_code, count(*) AS referrals,"
            " count(*) FILTER (WHERE r.resolved_at IS NOT NULL AND NOT r.rejected) AS resolved,"
            " count(*) FILTER (WHERE r.rejected) AS rejected,"
            f" array_agg({_micros('r.acknowledged_at - r.dispatched_at')}) FILTER"
            "  (WHERE r.acknowledged_at IS NOT NULL AND r.dispatched_at IS NOT NULL) AS ack,"
            f" array_agg({_micros('r.resolved_at - r.dispatched_at')}) FILTER"
            "  (WHERE r.resolved_at IS NOT NULL AND r.dispatched_at IS NOT NULL) AS res,"
            " count(*) FILTER (WHERE r.due_at IS NOT NULL AND NOT r.rejected"
            "  AND (r.resolved_at IS NOT NULL OR r.due_at < $3)) AS judged,"
            " count(*) FILTER (WHERE r.due_at IS NOT NULL AND NOT r.rejected"
            "  AND r.resolved_at <= r.due_at) AS met"
            " FROM referral_facts r JOIN complaint_facts c USING (complaint_id)"
            " WHERE c.received_at IS NOT NULL"
            " AND ($1::timestamptz IS NULL OR r.dispatched_at >= $1)"
            f" AND ($2::timestamptz IS NULL OR r.dispatched_at < $2){scope} GROUP BY 1, 2",
            *args,
        )
        reasons: dict[tuple[str, str | None], dict[str, int]] = {}
        for r in await self.conn.fetch(
            "SELECT c.regency_code, r.agency_code, COALESCE(r.reason_code, $3) AS code,"
            " count(*) AS n FROM referral_facts r JOIN complaint_facts c USING (complaint_id)"
            " WHERE r.rejected AND c.received_at IS NOT NULL"
            " AND ($1::timestamptz IS NULL OR r.dispatched_at >= $1)"
            " AND ($2::timestamptz IS NULL OR r.dispatched_at < $2)"
            f"{_scope('c.regency_code', regencies, 4)} GROUP BY 1, 2, 3",
            start,
            end,
            FALLBACK,
            *args[3:],
        ):
            reasons.setdefault((r["regency_code"], r["agency_code"]), {})[r["code"]] = r["n"]
        return {
            (r["regency_code"], r["agency_code"]): AgencyTally(
                referrals=r["referrals"],
                resolved=r["resolved"],
                rejected=r["rejected"],
                days_to_acknowledge=_days(r["ack"]),
                days_to_resolve=_days(r["res"]),
                sla_judged=r["judged"],
                sla_met=r["met"],
                rejections_by_reason=reasons.get((r["regency_code"], r["agency_code"]), {}),
            )
            for r in rows
        }

    async def regions_of(self, regencies: list[str] | None, level: str) -> list[dict[str, Any]]:
        """Villages or kecamatan ('district') of some regencies (None: all), by code."""
        scope = "" if regencies is None else " AND substr(code, 1, 5) = ANY($2::text[])"
        args: list[Any] = [level] if regencies is None else [level, regencies]
        rows = await self.conn.fetch(
            f"SELECT code, name FROM regions WHERE level = $1{scope} ORDER BY code", *args
        )
        return [dict(r) for r in rows]

    async def save_national(
        self,
        period: str,
        level: str,
        summary: dict[str, Any],
        rows: list[dict[str, Any]],
        computed_at: datetime,
    ) -> None:
        """Replace the stored country-wide ranking of a period and level."""
        await self.conn.execute(
            "DELETE FROM national_ranking_rows WHERE period = $1 AND level = $2", period, level
        )
        await self.conn.copy_records_to_table(
            "national_ranking_rows",
            records=[
                (period, level, i, row["code"], json.dumps(row, default=str))
                for i, row in enumerate(rows)
            ],
            columns=["period", "level", "position", "code", "row"],
        )
        await self.conn.execute(
            "INSERT INTO national_rankings (period, level, summary, total, computed_at)"
            " VALUES ($1, $2, $3::jsonb, $4, $5) ON CONFLICT (period, level) DO UPDATE SET"
            " summary = EXCLUDED.summary, total = EXCLUDED.total,"
            " computed_at = EXCLUDED.computed_at",
            period,
            level,
            json.dumps(summary, default=str),
            len(rows),
            computed_at,
        )

    async def national(
        self, period: str, level: str, prefix: str | None, limit: int | None, offset: int
    ) -> tuple[dict[str, Any], list[dict[str, Any]]] | None:
        """A page of the stored country-wide ranking (rows whose code starts with `prefix`)."""
        head = await self.conn.fetchrow(
            "SELECT summary, total, computed_at FROM national_rankings"
            " WHERE period = $1 AND level = $2",
            period,
            level,
        )
        if head is None:
            return None
        where = "period = $1 AND level = $2"
        args: list[Any] = [period, level, limit, offset]
        if prefix:
            where += " AND code LIKE $5"
            args.append(prefix + ".%")
        rows = await self.conn.fetch(
            f"SELECT row::text AS row FROM national_ranking_rows WHERE {where}"
            " ORDER BY position LIMIT $3 OFFSET $4",
            *args,
        )
        total = head["total"]
        if prefix:
            total = await self.conn.fetchval(
                "SELECT count(*) FROM national_ranking_rows"
                " WHERE period = $1 AND level = $2 AND code LIKE $3",
                period,
                level,
                prefix + ".%",
            )
        header = {
            "summary": json.loads(head["summary"]),
            "total": total,
            "computed_at": head["computed_at"],
        }
        return header, [json.loads(r["row"]) for r in rows]
