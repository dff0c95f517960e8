"""Report cards and the ranking of Puskesos, from complaint and referral facts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class ComplaintFact:
    """What monitoring knows of a complaint."""

    village_code: str
    received_at: datetime
    closed_at: datetime | None


@dataclass(frozen=True)
class ReferralFact:
    """What monitoring knows of a referral."""

    due_at: datetime | None
    resolved_at: datetime | None
    escalations: int


@dataclass(frozen=True)
class Report:
    """A Puskesos's measures over a period."""

    received: int
    closed: int
    open_backlog: int
    closed_share: float | None
    referrals: int
    resolved_on_time: int
    sla_compliance: float | None
    escalations: int


def report(complaints: list[ComplaintFact], referrals: list[ReferralFact]) -> Report:
    """Compute a report card."""
    closed = sum(1 for c in complaints if c.closed_at is not None)
    resolved = [r for r in referrals if r.resolved_at is not None and r.due_at is not None]
    on_time = sum(1 for r in resolved if r.resolved_at and r.due_at and r.resolved_at <= r.due_at)
    return Report(
        received=len(complaints),
        closed=closed,
        open_backlog=len(complaints) - closed,
        closed_share=closed / len(complaints) if complaints else None,
        referrals=len(referrals),
        resolved_on_time=on_time,
        sla_compliance=on_time / len(resolved) if resolved else None,
        escalations=sum(r.escalations for r in referrals),
    )


@dataclass(frozen=True)
class Ranked:
    """A village's place in the ranking."""

    code: str
    name: str
    rank: int | None
    score: float | None
    status: str
    report: Report


def score(r: Report) -> float:
    """Composite score 0-100: 60% share of complaints closed, 40% referrals resolved on time.

    A village with no resolved referral yet counts its SLA part as 0, so closing nothing never
    ranks well.
    """
    return round(100 * (0.6 * (r.closed_share or 0.0) + 0.4 * (r.sla_compliance or 0.0)), 1)


def rank(reports: dict[str, tuple[str, Report]], min_caseload: int) -> list[Ranked]:
    """Rank villages with enough complaints; list the others as too few or not yet active."""
    eligible = sorted(
        ((code, name, r) for code, (name, r) in reports.items() if r.received >= min_caseload),
        key=lambda item: (-score(item[2]), -item[2].received, item[0]),
    )
    ranked = [
        Ranked(code, name, i, score(r), "ranked", r)
        for i, (code, name, r) in enumerate(eligible, start=1)
    ]
    rest = sorted(
        (code, name, r) for code, (name, r) in reports.items() if r.received < min_caseload
    )
    ranked += [
        Ranked(code, name, None, None, "too_few_cases" if r.received else "not_active", r)
        for code, name, r in rest
    ]
    return ranked
