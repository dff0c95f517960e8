"""Aggregates of the facts, counted by Postgres: one pass for any number of regencies."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from monitoring.domain.measures import AgencyTally, Tally
from slrt_shared.contracts.reasons import FALLBACK
from slrt_shared.unit_of_work import PgUnitOfWork

MICROSECONDS_PER_DAY = 86_400_000_000

# The SLA rule of `domain.measures.is_sla_judged` and `is_sla_met` over `referral_facts r`
# (`$3` is now), counted in SQL so that no row per referral reaches Python; the integration
# test `test_sla_rule.py` pins it to the domain's on the same cases.
SLA_JUDGED = (
    "r.due_at IS NOT NULL AND NOT r.rejected AND (r.resolved_at IS NOT NULL OR r.due_at < $3)"
)
SLA_MET = "r.due_at IS NOT NULL AND NOT r.rejected AND r.resolved_at <= r.due_at"
SLA_COUNTS = (
    f"count(*) FILTER (WHERE {SLA_JUDGED}) AS judged, count(*) FILTER (WHERE {SLA_MET}) AS met"
)


def _days(micros: list[int] | None) -> list[float]:
    # Durations travel as whole microseconds so the division is the one timedelta / DAY does.
    return [m / MICROSECONDS_PER_DAY for m in micros or ()]


def _micros(expression: str) -> str:
    return f"(extract(epoch FROM {expression}) * 1000000)::bigint"


def _scope(column: str, regencies: list[str] | None, first: int) -> str:
    # Spelled out rather than `$n IS NULL OR ...`, so a prepared statement keeps its index plan.
    return "" if regencies is None else f" AND {column} = ANY(${first}::text[])"


class Aggregates(PgUnitOfWork):
    """Tallies of villages, kecamatan and agencies over a period."""

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
            f" {SLA_COUNTS},"
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
            f" {SLA_COUNTS}"
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
