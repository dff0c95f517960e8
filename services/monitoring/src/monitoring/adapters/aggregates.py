"""Aggregates of the facts, counted by Postgres: one pass for any number of regencies."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime
from typing import Any

from monitoring.domain.measures import AgencyTally, Tally, VillageMonth, microseconds, tally_months
from monitoring.domain.regions import kecamatan_of
from slrt_shared.contracts.reasons import FALLBACK
from slrt_shared.unit_of_work import PgUnitOfWork

MICROSECONDS_PER_DAY = 86_400_000_000
VILLAGE_MONTH_COLUMNS = (
    "v.village_code, v.received_us, v.prompt, v.close_us, v.ref_received_us, v.ref_due_us,"
    " v.ref_resolved, v.ref_met, v.ref_escalations, v.ref_again"
)


def month_of(moment: datetime) -> date:
    """The first day of a moment's UTC month: the key of the village-months."""
    return moment.astimezone(UTC).date().replace(day=1)


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


def village_month_scope(
    regencies: list[str] | None,
    since: date | None,
    until: date | None,
    villages: list[str] | None = None,
) -> tuple[list[str], list[Any]]:
    """Conditions on the village-months `v` and their arguments (a None value: no condition)."""
    where: list[str] = []
    args: list[Any] = []
    for condition, value in (
        ("v.month >= ${}", since),
        ("v.month < ${}", until),
        ("v.regency_code = ANY(${}::text[])", regencies),
        ("v.village_code = ANY(${}::text[])", villages),
    ):
        # Spelled out rather than `$n IS NULL OR ...`, so a prepared statement keeps its plan.
        if value is not None:
            args.append(value)
            where.append(condition.format(len(args)))
    return where, args


def current_village_months_sql(stored: str, fresh: str, where: list[str]) -> str:
    """A query of the village-months as the facts say now, in one statement: `stored` read from
    the rows kept, `fresh` from those noted stale since the last refresh, recomputed from the
    facts (`village_months_of`, read, not written); both lists of columns of `v`.
    """
    scope = "".join(f" AND {w}" for w in where)
    return (
        "WITH s AS MATERIALIZED (SELECT * FROM stale_village_months())"
        f" SELECT {stored} FROM village_months v WHERE NOT EXISTS"
        " (SELECT FROM s WHERE s.village_code = v.village_code AND s.month = v.month)"
        f"{scope} UNION ALL SELECT {fresh} FROM village_months_of("
        "ARRAY(SELECT village_code FROM s), ARRAY(SELECT month FROM s)) v"
        f" WHERE v.received_us IS NOT NULL{scope}"
    )


def _scope(column: str, regencies: list[str] | None, first: int) -> str:
    # Spelled out rather than `$n IS NULL OR ...`, so a prepared statement keeps its index plan.
    return "" if regencies is None else f" AND {column} = ANY(${first}::text[])"


class Aggregates(PgUnitOfWork):
    """Tallies of villages, kecamatan and agencies over a period."""

    async def village_months(
        self,
        regencies: list[str] | None,
        since: date | None,
        until: date | None,
        villages: list[str] | None = None,
    ) -> list[VillageMonth]:
        """The stored village-months of some regencies (None: all) from month `since` to before
        `until`, as the last refresh left them. With `villages`, only theirs.
        """
        where, args = village_month_scope(regencies, since, until, villages)
        rows = await self.conn.fetch(
            f"SELECT {VILLAGE_MONTH_COLUMNS} FROM village_months v"
            + (" WHERE " + " AND ".join(where) if where else ""),
            *args,
        )
        return [VillageMonth(*r) for r in rows]

    async def current_village_months(
        self, regencies: list[str] | None, since: date | None, until: date | None
    ) -> list[VillageMonth]:
        """The village-months as the facts say now: the stored rows, and those noted stale since
        the last refresh recomputed from the facts (read, not written), in one statement.
        """
        where, args = village_month_scope(regencies, since, until, None)
        rows = await self.conn.fetch(
            current_village_months_sql(VILLAGE_MONTH_COLUMNS, VILLAGE_MONTH_COLUMNS, where), *args
        )
        return [VillageMonth(*r) for r in rows]

    async def refresh_village_months(self) -> set[tuple[str, date]]:
        """Recompute the village-months noted stale (once each, one statement); return their keys.

        Until this transaction commits, another refresh waits.
        """
        rows = await self.conn.fetch("SELECT village_code, month FROM refresh_village_months()")
        return {(r["village_code"], r["month"]) for r in rows}

    async def tallies(
        self,
        regencies: list[str] | None,
        start: datetime | None,
        end: datetime | None,
        level: str,
        now: datetime,
    ) -> dict[str, Tally]:
        """Each village's or kecamatan's tally over complaints received in [start, end).

        Read from the village-months (one row per village and month, whatever the caseload):
        `start` and `end` fall on months' first moments, except the last 30 days' start, which
        cuts its month element by element.
        """
        since = month_of(start) if start is not None else None
        until = month_of(end) if end is not None else None
        grouped: dict[str, list[VillageMonth]] = defaultdict(list)
        for part in await self.current_village_months(regencies, since, until):
            area = part.village if level == "village" else kecamatan_of(part.village)
            grouped[area].append(part)
        now_us = microseconds(now)
        start_us = microseconds(start) if start is not None else None
        out = {}
        for area, parts in grouped.items():
            t = tally_months(parts, now_us, start_us)
            if t is not None:
                out[area] = t
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
