"""Measures of Puskesos, kecamatan, regencies and agencies, computed from facts (no I/O)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

DAY = timedelta(days=1)


@dataclass(frozen=True)
class ComplaintFact:
    """What monitoring knows of a complaint."""

    area: str
    received_at: datetime
    recorded_at: datetime
    closed_at: datetime | None


@dataclass(frozen=True)
class ReferralFact:
    """What monitoring knows of a referral."""

    area: str
    agency_code: str | None
    attempt: int
    dispatched_at: datetime | None
    due_at: datetime | None
    acknowledged_at: datetime | None
    resolved_at: datetime | None
    rejected: bool
    escalations: int


@dataclass(frozen=True)
class Measures:
    """How an area served its residents over a period."""

    received: int
    registered_within_a_day: float | None
    closed: int
    resolution_rate: float | None
    sla_compliance: float | None
    median_days_to_close: float | None
    p90_days_to_close: float | None
    escalations: int
    open_backlog: int
    backlog_median_age_days: float | None
    re_referrals: int


@dataclass(frozen=True)
class AgencyMeasures:
    """How an agency handled the referrals it received over a period."""

    referrals: int
    resolved: int
    median_days_to_acknowledge: float | None
    sla_compliance: float | None
    rejection_rate: float | None
    median_days_to_resolve: float | None


def percentile(values: list[float], q: float) -> float | None:
    """The q-th percentile (0-100) with linear interpolation; None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return round(ordered[low] + (ordered[high] - ordered[low]) * (position - low), 2)


def _days(delta: timedelta) -> float:
    return delta / DAY


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def sla_compliance(referrals: list[ReferralFact], now: datetime) -> float | None:
    """Share met of the referrals whose deadline has come: resolved by their due time."""
    judged = [
        r
        for r in referrals
        if r.due_at is not None and not r.rejected and (r.resolved_at is not None or r.due_at < now)
    ]
    met = sum(1 for r in judged if r.resolved_at and r.due_at and r.resolved_at <= r.due_at)
    return _share(met, len(judged))


def measure(
    complaints: list[ComplaintFact], referrals: list[ReferralFact], now: datetime
) -> Measures:
    """Compute an area's measures."""
    closed = [c for c in complaints if c.closed_at is not None]
    open_ = [c for c in complaints if c.closed_at is None]
    to_close = [_days(c.closed_at - c.received_at) for c in closed if c.closed_at]
    prompt = sum(1 for c in complaints if c.received_at - c.recorded_at <= DAY)
    return Measures(
        received=len(complaints),
        registered_within_a_day=_share(prompt, len(complaints)),
        closed=len(closed),
        resolution_rate=_share(len(closed), len(complaints)),
        sla_compliance=sla_compliance(referrals, now),
        median_days_to_close=percentile(to_close, 50),
        p90_days_to_close=percentile(to_close, 90),
        escalations=sum(r.escalations for r in referrals),
        open_backlog=len(open_),
        backlog_median_age_days=percentile([_days(now - c.received_at) for c in open_], 50),
        re_referrals=sum(1 for r in referrals if r.attempt > 1),
    )


def measure_agency(referrals: list[ReferralFact], now: datetime) -> AgencyMeasures:
    """Compute an agency's measures."""
    acknowledged = [
        _days(r.acknowledged_at - r.dispatched_at)
        for r in referrals
        if r.acknowledged_at and r.dispatched_at
    ]
    resolved = [
        _days(r.resolved_at - r.dispatched_at)
        for r in referrals
        if r.resolved_at and r.dispatched_at
    ]
    return AgencyMeasures(
        referrals=len(referrals),
        resolved=sum(1 for r in referrals if r.resolved_at is not None and not r.rejected),
        median_days_to_acknowledge=percentile(acknowledged, 50),
        sla_compliance=sla_compliance(referrals, now),
        rejection_rate=_share(sum(1 for r in referrals if r.rejected), len(referrals)),
        median_days_to_resolve=percentile(resolved, 50),
    )
