"""Whole months' measures from village-months reduced to scalars (no I/O).

A month's village ranking needs of each village-month only counts, the percentiles of its days
to close, the receipts of its open complaints and the due times of its unresolved referrals:
what `now` changes is kept element by element, the rest is settled (migration 013). The figures
are the ones `measure_tally(tally_months(...))` gives for the same month.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from monitoring.domain.measures import MICROSECONDS_PER_DAY, Measures, percentile, share


@dataclass(frozen=True)
class MonthSummary:
    """A village's complaints of one whole month and their referrals, as counts."""

    village: str
    received: int
    prompt: int  # registered within a day of receipt
    closed: int
    close_p50: float | None  # days to close, median before rounding (None: none closed)
    close_p90: float | None
    open_us: list[int]  # receipts of the complaints still open, newest first
    ref_settled: int  # SLA-judged whatever the clock: judgeable and resolved
    ref_pending_due_us: list[int]  # due times of the judgeable referrals not resolved
    ref_met: int
    ref_escalations: int
    ref_again: int


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def _measures(
    received: int,
    prompt: int,
    closed: int,
    judged: int,
    met: int,
    escalations: int,
    again: int,
    open_ages: list[float],
    close_days: tuple[float | None, float | None],
) -> Measures:
    return Measures(
        received=received,
        registered_within_a_day=share(prompt, received),
        closed=closed,
        resolution_rate=share(closed, received),
        sla_compliance=share(met, judged),
        median_days_to_close=_rounded(close_days[0]),
        p90_days_to_close=_rounded(close_days[1]),
        escalations=escalations,
        open_backlog=len(open_ages),
        backlog_median_age_days=percentile(open_ages, 50),
        re_referrals=again,
    )


def _judged(s: MonthSummary, now_us: int) -> int:
    return s.ref_settled + sum(1 for due in s.ref_pending_due_us if due < now_us)


def measure_summaries(
    parts: Sequence[MonthSummary],
    now_us: int,
    close_days: tuple[float | None, float | None],
) -> Measures:
    """An area's measures over whole months from its village-months' summaries.

    `close_days` is the area's median and 90th percentile of days to close before rounding,
    computed over all its closes (percentiles of parts do not combine).
    """
    return _measures(
        received=sum(p.received for p in parts),
        prompt=sum(p.prompt for p in parts),
        closed=sum(p.closed for p in parts),
        judged=sum(_judged(p, now_us) for p in parts),
        met=sum(p.ref_met for p in parts),
        escalations=sum(p.ref_escalations for p in parts),
        again=sum(p.ref_again for p in parts),
        open_ages=[(now_us - r) / MICROSECONDS_PER_DAY for p in parts for r in p.open_us],
        close_days=close_days,
    )


def measure_village(s: MonthSummary, now_us: int) -> Measures:
    """A village's measures over one whole month (called for each of the country's villages)."""
    return _measures(
        s.received,
        s.prompt,
        s.closed,
        _judged(s, now_us),
        s.ref_met,
        s.ref_escalations,
        s.ref_again,
        [(now_us - r) / MICROSECONDS_PER_DAY for r in s.open_us],
        (s.close_p50, s.close_p90),
    )
