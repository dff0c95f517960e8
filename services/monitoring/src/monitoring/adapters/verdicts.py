"""The residents' verdicts and reopenings: their writes and their counts per village and agency."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from monitoring.domain.verdicts import VerdictTally
from slrt_shared.unit_of_work import PgUnitOfWork

# The counts of a set of complaints `c` (complaint_facts) with their verdict `v` and `o`, the
# complaints reopened at least once. A complaint reopened is one that was closed, even when its
# closing has not been read yet (the topics are read independently).
_COUNTS = (
    "count(v.complaint_id) AS verdicts,"
    " count(*) FILTER (WHERE v.solved = 'yes') AS solved_yes,"
    " count(*) FILTER (WHERE v.solved = 'partly') AS solved_partly,"
    " count(*) FILTER (WHERE v.solved = 'no') AS solved_no,"
    " coalesce(sum(v.rating), 0) AS rating_sum,"
    " count(*) FILTER (WHERE c.closed_at IS NOT NULL OR o.complaint_id IS NOT NULL) AS closed,"
    " count(o.complaint_id) AS reopened"
)
_JOINS = (
    " LEFT JOIN complaint_verdicts v ON v.complaint_id = c.complaint_id"
    " LEFT JOIN (SELECT DISTINCT complaint_id FROM complaint_reopenings) o"
    " ON o.complaint_id = c.complaint_id"
)


def _tally(row: Any) -> VerdictTally:
    return VerdictTally(
        verdicts=row["verdicts"],
        solved_yes=row["solved_yes"],
        solved_partly=row["solved_partly"],
        solved_no=row["solved_no"],
        rating_sum=row["rating_sum"],
        closed=row["closed"],
        reopened=row["reopened"],
    )


class VerdictStore(PgUnitOfWork):
    """Writes of `complaint_verdicts` and `complaint_reopenings`, and their tallies."""

    async def save_verdict(
        self,
        complaint_id: UUID,
        village_code: str,
        solved: str,
        rating: int,
        revision: int,
        rated_at: datetime,
    ) -> None:
        """Keep a complaint's verdict unless one of a higher or the same revision is kept."""
        await self.conn.execute(
            "INSERT INTO complaint_verdicts (complaint_id, village_code, solved, rating, revision,"
            " rated_at) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (complaint_id) DO UPDATE SET"
            " village_code = EXCLUDED.village_code, solved = EXCLUDED.solved,"
            " rating = EXCLUDED.rating, revision = EXCLUDED.revision,"
            " rated_at = EXCLUDED.rated_at WHERE complaint_verdicts.revision < EXCLUDED.revision",
            complaint_id,
            village_code,
            solved,
            rating,
            revision,
            rated_at,
        )

    async def save_reopening(
        self,
        complaint_id: UUID,
        reopening: int,
        village_code: str,
        reason_code: str,
        reopened_at: datetime,
    ) -> None:
        """Keep a complaint's reopening once by its number."""
        await self.conn.execute(
            "INSERT INTO complaint_reopenings (complaint_id, reopening, village_code, reason_code,"
            " reopened_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
            complaint_id,
            reopening,
            village_code,
            reason_code,
            reopened_at,
        )

    async def village_verdicts(
        self,
        regencies: list[str] | None,
        start: datetime | None,
        end: datetime | None,
        villages: list[str] | None = None,
    ) -> dict[str, VerdictTally]:
        """Each village's verdicts and reopenings of the complaints received in [start, end)."""
        where = ["c.received_at IS NOT NULL"]
        args: list[Any] = []
        for condition, value in (
            ("c.received_at >= ${}", start),
            ("c.received_at < ${}", end),
            ("c.regency_code = ANY(${}::text[])", regencies),
            ("c.village_code = ANY(${}::text[])", villages),
        ):
            if value is not None:
                args.append(value)
                where.append(condition.format(len(args)))
        rows = await self.conn.fetch(
            f"SELECT c.village_code, {_COUNTS} FROM complaint_facts c{_JOINS}"
            f" WHERE {' AND '.join(where)} GROUP BY 1",
            *args,
        )
        return {r["village_code"]: _tally(r) for r in rows}

    async def agency_verdicts(
        self, regencies: list[str] | None, start: datetime | None, end: datetime | None
    ) -> dict[tuple[str, str | None], VerdictTally]:
        """Each (regency, agency)'s verdicts and reopenings of the complaints it had a referral
        of dispatched in [start, end) (a complaint counts once per agency)."""
        scope = "" if regencies is None else " AND c.regency_code = ANY($3::text[])"
        rows = await self.conn.fetch(
            f"SELECT c.regency_code, a.agency_code, {_COUNTS}"
            " FROM (SELECT DISTINCT r.complaint_id, r.agency_code FROM referral_facts r"
            "  WHERE ($1::timestamptz IS NULL OR r.dispatched_at >= $1)"
            "  AND ($2::timestamptz IS NULL OR r.dispatched_at < $2)) a"
            f" JOIN complaint_facts c ON c.complaint_id = a.complaint_id{_JOINS}"
            f" WHERE c.received_at IS NOT NULL{scope} GROUP BY 1, 2",
            start,
            end,
            *([] if regencies is None else [regencies]),
        )
        return {(r["regency_code"], r["agency_code"]): _tally(r) for r in rows}
