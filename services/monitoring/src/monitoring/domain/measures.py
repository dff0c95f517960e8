"""Measures of Puskesos, kecamatan, regencies and agencies, computed from facts (no I/O)."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from monitoring.domain.regions import kecamatan_of
from slrt_shared.contracts.reasons import FALLBACK

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
    reason_code: str | None = None  # of a rejection


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
    rejections_by_reason: dict[str, int] = field(default_factory=dict)


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


def share(part: int, whole: int) -> float | None:
    """A part of a whole to four places; None for an empty whole."""
    return round(part / whole, 4) if whole else None


@dataclass(frozen=True)
class Tally:
    """An area's facts reduced to what its measures need: counts and durations in days."""

    received: int
    registered_within_a_day: int
    days_to_close: list[float]
    open_ages: list[float]
    sla_judged: int
    sla_met: int
    escalations: int
    re_referrals: int


@dataclass(frozen=True)
class AgencyTally:
    """An agency's referrals reduced to counts and durations in days."""

    referrals: int
    resolved: int
    rejected: int
    days_to_acknowledge: list[float]
    days_to_resolve: list[float]
    sla_judged: int
    sla_met: int
    rejections_by_reason: dict[str, int] = field(default_factory=dict)


def is_sla_judged(r: ReferralFact, now: datetime) -> bool:
    """Whether a referral counts toward SLA compliance: not rejected, due, and resolved or late.

    `adapters/aggregates.py` counts the same rule in SQL; an integration test pins the two.
    """
    return r.due_at is not None and not r.rejected and (r.resolved_at is not None or r.due_at < now)


def is_sla_met(r: ReferralFact) -> bool:
    """Whether a judged referral met its SLA: resolved by its due time."""
    return bool(r.resolved_at and r.due_at and r.resolved_at <= r.due_at)


def tally(complaints: list[ComplaintFact], referrals: list[ReferralFact], now: datetime) -> Tally:
    """Reduce an area's facts to counts and durations."""
    judged = [r for r in referrals if is_sla_judged(r, now)]
    return Tally(
        received=len(complaints),
        registered_within_a_day=sum(1 for c in complaints if c.received_at - c.recorded_at <= DAY),
        days_to_close=[_days(c.closed_at - c.received_at) for c in complaints if c.closed_at],
        open_ages=[_days(now - c.received_at) for c in complaints if c.closed_at is None],
        sla_judged=len(judged),
        sla_met=sum(1 for r in judged if is_sla_met(r)),
        escalations=sum(r.escalations for r in referrals),
        re_referrals=sum(1 for r in referrals if r.attempt > 1),
    )


def measure_tally(t: Tally) -> Measures:
    """An area's measures from its tally."""
    closed = len(t.days_to_close)
    return Measures(
        received=t.received,
        registered_within_a_day=share(t.registered_within_a_day, t.received),
        closed=closed,
        resolution_rate=share(closed, t.received),
        sla_compliance=share(t.sla_met, t.sla_judged),
        median_days_to_close=percentile(t.days_to_close, 50),
        p90_days_to_close=percentile(t.days_to_close, 90),
        escalations=t.escalations,
        open_backlog=len(t.open_ages),
        backlog_median_age_days=percentile(t.open_ages, 50),
        re_referrals=t.re_referrals,
    )


def measure_fields(m: Measures) -> dict[str, Any]:
    """A measures' fields in order: what `asdict` gives for these scalars, without its copies."""
    # Its instance dict holds exactly its fields, set in order by the generated __init__.
    return dict(vars(m))


def measure(
    complaints: list[ComplaintFact], referrals: list[ReferralFact], now: datetime
) -> Measures:
    """Compute an area's measures."""
    return measure_tally(tally(complaints, referrals, now))


def tally_agency(referrals: list[ReferralFact], now: datetime) -> AgencyTally:
    """Reduce an agency's referrals to counts and durations."""
    judged = [r for r in referrals if is_sla_judged(r, now)]
    return AgencyTally(
        referrals=len(referrals),
        resolved=sum(1 for r in referrals if r.resolved_at is not None and not r.rejected),
        rejected=sum(1 for r in referrals if r.rejected),
        days_to_acknowledge=[
            _days(r.acknowledged_at - r.dispatched_at)
            for r in referrals
            if r.acknowledged_at and r.dispatched_at
        ],
        days_to_resolve=[
            _days(r.resolved_at - r.dispatched_at)
            for r in referrals
            if r.resolved_at and r.dispatched_at
        ],
        sla_judged=len(judged),
        sla_met=sum(1 for r in judged if is_sla_met(r)),
        rejections_by_reason=dict(
            Counter(r.reason_code or FALLBACK for r in referrals if r.rejected)
        ),
    )


def measure_agency_tally(t: AgencyTally) -> AgencyMeasures:
    """An agency's measures from its tally."""
    return AgencyMeasures(
        referrals=t.referrals,
        resolved=t.resolved,
        median_days_to_acknowledge=percentile(t.days_to_acknowledge, 50),
        sla_compliance=share(t.sla_met, t.sla_judged),
        rejection_rate=share(t.rejected, t.referrals),
        median_days_to_resolve=percentile(t.days_to_resolve, 50),
        rejections_by_reason=dict(sorted(t.rejections_by_reason.items())),
    )


def measure_agency(referrals: list[ReferralFact], now: datetime) -> AgencyMeasures:
    """Compute an agency's measures."""
    return measure_agency_tally(tally_agency(referrals, now))


def combine(tallies: list[Tally]) -> Tally:
    """The tally of a larger area from the tallies of its parts."""
    return Tally(
        received=sum(t.received for t in tallies),
        registered_within_a_day=sum(t.registered_within_a_day for t in tallies),
        days_to_close=[d for t in tallies for d in t.days_to_close],
        open_ages=[d for t in tallies for d in t.open_ages],
        sla_judged=sum(t.sla_judged for t in tallies),
        sla_met=sum(t.sla_met for t in tallies),
        escalations=sum(t.escalations for t in tallies),
        re_referrals=sum(t.re_referrals for t in tallies),
    )


EMPTY = Tally(0, 0, [], [], 0, 0, 0, 0)
MICROSECONDS_PER_DAY = 86_400_000_000


@dataclass(frozen=True)
class VillageMonth:
    """A village's complaints of one month and their referrals, element by element.

    Moments are whole microseconds since 2020 and durations whole microseconds, as Postgres
    keeps them, so the days computed here are the ones a tally of the facts gives.
    """

    village: str
    received_us: list[int]
    prompt: list[bool]
    close_us: list[int | None]  # closed minus received; None while open
    ref_received_us: list[int]  # each referral's complaint's receipt
    ref_due_us: list[int | None]  # None: never SLA-judged (no due time, or rejected)
    ref_resolved: list[bool]
    ref_met: list[bool]
    ref_escalations: list[int]
    ref_again: list[bool]


def microseconds(moment: datetime) -> int:
    """A moment as whole microseconds since 2020, as the village-months keep moments (exact)."""
    return (moment - EPOCH) // MICROSECOND


EPOCH = datetime(2020, 1, 1, tzinfo=UTC)  # as the village-months count (migration 006)
MICROSECOND = timedelta(microseconds=1)


def tally_months(parts: list[VillageMonth], now_us: int, since_us: int | None) -> Tally | None:
    """An area's tally from its village-months, over complaints received at or after `since_us`.

    The SLA rule is `is_sla_judged`/`is_sla_met`: a referral's part that needs no clock is
    settled in the aggregate, the rest (due but unresolved: judged once past due) here. None when
    no complaint is in the window.
    """
    received = prompt = judged = met = escalations = again = 0
    to_close: list[float] = []
    open_ages: list[float] = []
    for p in parts:
        for r_us, quick, close in zip(p.received_us, p.prompt, p.close_us, strict=True):
            if since_us is not None and r_us < since_us:
                continue
            received += 1
            prompt += quick
            if close is None:
                open_ages.append((now_us - r_us) / MICROSECONDS_PER_DAY)
            else:
                to_close.append(close / MICROSECONDS_PER_DAY)
        for r_us, due, resolved, on_time, escalated, repeat in zip(
            p.ref_received_us,
            p.ref_due_us,
            p.ref_resolved,
            p.ref_met,
            p.ref_escalations,
            p.ref_again,
            strict=True,
        ):
            if since_us is not None and r_us < since_us:
                continue
            if due is not None and (resolved or due < now_us):
                judged += 1
            met += on_time
            escalations += escalated
            again += repeat
    if not received:
        return None
    return Tally(received, prompt, to_close, open_ages, judged, met, escalations, again)


def by_kecamatan(villages: dict[str, Tally]) -> dict[str, Tally]:
    """Kecamatan tallies from the tallies of their villages."""
    grouped: dict[str, list[Tally]] = defaultdict(list)
    for code, t in villages.items():
        grouped[kecamatan_of(code)].append(t)
    return {code: combine(parts) for code, parts in grouped.items()}


@dataclass(frozen=True)
class AreaState:
    """An area's tally at a moment, and what a later moment changes in it.

    Until `steady_until` (a pending referral falling due, a complaint leaving the last 30 days)
    only the ages of its open complaints grow: `open_desc` (their receipts, newest first) gives
    the backlog's median age at any moment without a new tally.
    """

    tally: Tally
    measures: Measures
    open_desc: list[int]
    steady_until: int | None
    fields: dict[str, Any]  # measure_fields(measures), for its row


def area_state(
    parts: list[VillageMonth], now_us: int, since_us: int | None, window_us: int | None
) -> AreaState | None:
    """An area's state from its village-months (None: no complaint in the window).

    `window_us` is the window's length when its start moves with the clock (the last 30 days).
    """
    t = tally_months(parts, now_us, since_us)
    if t is None:
        return None
    opened: list[int] = []
    horizon: list[int] = []
    for p in parts:
        kept = [r for r in p.received_us if since_us is None or r >= since_us]
        if window_us is not None and kept:
            horizon.append(min(kept) + window_us)
        opened.extend(
            r
            for r, close in zip(p.received_us, p.close_us, strict=True)
            if close is None and (since_us is None or r >= since_us)
        )
        refs = zip(p.ref_received_us, p.ref_due_us, p.ref_resolved, strict=True)
        horizon.extend(
            due
            for r, due, resolved in refs
            if due is not None and not resolved and due >= now_us
            and (since_us is None or r >= since_us)
        )  # fmt: skip
    opened.sort(reverse=True)
    m = measure_tally(t)
    return AreaState(t, m, opened, min(horizon) if horizon else None, measure_fields(m))


def backlog_age(open_desc: list[int], now_us: int) -> float | None:
    """The median age in days of open complaints received at `open_desc` (newest first).

    The value `percentile(open ages, 50)` gives: the ages in ascending order are the receipts in
    descending order, so only the two middle ones are computed.
    """
    if not open_desc:
        return None
    position = (len(open_desc) - 1) * 50 / 100
    low = int(position)
    high = min(low + 1, len(open_desc) - 1)
    a = (now_us - open_desc[low]) / MICROSECONDS_PER_DAY
    b = (now_us - open_desc[high]) / MICROSECONDS_PER_DAY
    return round(a + (b - a) * (position - low), 2)


def at_moment(state: AreaState, now_us: int) -> AreaState:
    """A steady area's state at a later moment: the same, but for its backlog's age."""
    age = backlog_age(state.open_desc, now_us)
    if age == state.measures.backlog_median_age_days:
        return state
    return replace(
        state,
        measures=replace(state.measures, backlog_median_age_days=age),
        fields={**state.fields, "backlog_median_age_days": age},
    )


def summary_tally(states: list[AreaState], now_us: int) -> Tally:
    """The tally of all the areas together at a moment (their open complaints aged to it)."""
    return Tally(
        received=sum(s.tally.received for s in states),
        registered_within_a_day=sum(s.tally.registered_within_a_day for s in states),
        days_to_close=[d for s in states for d in s.tally.days_to_close],
        open_ages=[(now_us - r) / MICROSECONDS_PER_DAY for s in states for r in s.open_desc],
        sla_judged=sum(s.tally.sla_judged for s in states),
        sla_met=sum(s.tally.sla_met for s in states),
        escalations=sum(s.tally.escalations for s in states),
        re_referrals=sum(s.tally.re_referrals for s in states),
    )
