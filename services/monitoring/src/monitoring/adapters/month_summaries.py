"""Whole months of the village-months as counts (migration 013): a month's village ranking."""

from __future__ import annotations

from datetime import datetime

from monitoring.adapters.aggregates import (
    current_village_months_sql,
    month_of,
    village_month_scope,
)
from monitoring.domain.month_summaries import MonthSummary
from slrt_shared.unit_of_work import PgUnitOfWork

# The summary columns of a stored row, and the same computed from the arrays of a row noted
# stale (the generated columns' own expressions).
STORED = (
    "v.village_code, v.received, v.prompt_count, v.closed, v.close_p50, v.close_p90, v.open_us,"
    " v.ref_settled, v.ref_pending_due_us, v.ref_met_count, v.ref_escalation_count,"
    " v.ref_again_count"
)
FRESH = (
    "v.village_code, cardinality(v.received_us), count_true(v.prompt),"
    " count_not_null(v.close_us), sorted_percentile(sorted_days(v.close_us), 50),"
    " sorted_percentile(sorted_days(v.close_us), 90), open_receipts(v.received_us, v.close_us),"
    " count_settled(v.ref_due_us, v.ref_resolved), pending_due(v.ref_due_us, v.ref_resolved),"
    " count_true(v.ref_met), total(v.ref_escalations), count_true(v.ref_again)"
)


class MonthSummaries(PgUnitOfWork):
    """Village-months of one whole month, reduced to what its measures need."""

    async def month_summaries(
        self, regencies: list[str] | None, start: datetime, end: datetime
    ) -> dict[str, MonthSummary]:
        """Each village's summary of the whole month [start, end), as the facts say now."""
        where, args = village_month_scope(regencies, month_of(start), month_of(end))
        rows = await self.conn.fetch(current_village_months_sql(STORED, FRESH, where), *args)
        return {r[0]: MonthSummary(*r) for r in rows}

    async def close_percentiles(
        self, regencies: list[str] | None, start: datetime, end: datetime
    ) -> tuple[float | None, float | None]:
        """Median and 90th percentile of days to close over the month [start, end), unrounded."""
        where, args = village_month_scope(regencies, month_of(start), month_of(end))
        closes = current_village_months_sql("v.close_us", "v.close_us", where)
        row = await self.conn.fetchrow(
            "SELECT sorted_percentile(a, 50), sorted_percentile(a, 90) FROM"
            " (SELECT coalesce(array_agg(c::float8 / 86400000000 ORDER BY c), '{}') AS a"
            f" FROM ({closes}) v, unnest(v.close_us) c WHERE c IS NOT NULL) sorted",
            *args,
        )
        return row[0], row[1]
