"""Who is not performing, and why: the measure pulling a flagged area down, in counts.

A village is flagged by the ranking (`ranking.py`: ranked, adjusted score under `flag_below`).
Its reason is the one of the score's three shares that costs it the most points: the share's
weight times the part of its cases that went wrong (complaints not closed, referrals past their
SLA, complaints registered more than a day after they were received).

An agency is flagged when it had at least `min_caseload` referrals and either met the SLA on
fewer than `flag_below` percent of those judged, or rejected more than `100 - flag_below`
percent of them; its reason is whichever of the two is worse.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from monitoring.domain.measures import AgencyTally, Tally
from monitoring.domain.ranking import Policy

VILLAGE_REASONS = ("not_closed", "past_sla", "registered_late")
AGENCY_REASONS = ("past_sla", "rejected")


@dataclass(frozen=True)
class Reason:
    """`bad` of `whole` cases went wrong in the way `measure` names."""

    measure: str  # not_closed | past_sla | registered_late | rejected
    bad: int
    whole: int


def village_reason(t: Tally, policy: Policy) -> Reason | None:
    """The share that costs a village the most of its score (None when nothing went wrong)."""
    w = policy.weights
    closed = len(t.days_to_close)
    candidates = [
        (w.resolution, Reason("not_closed", t.received - closed, t.received)),
        (w.sla, Reason("past_sla", t.sla_judged - t.sla_met, t.sla_judged)),
        (
            w.registration,
            Reason("registered_late", t.received - t.registered_within_a_day, t.received),
        ),
    ]
    costs = [(weight * r.bad / r.whole, r) for weight, r in candidates if r.whole and r.bad]
    if not costs:
        return None
    # The first of equal costs: the score's order of weights.
    return max(costs, key=lambda c: c[0])[1]


def agency_reason(t: AgencyTally, policy: Policy) -> Reason | None:
    """Why an agency is flagged, or None when it is not."""
    if t.referrals < policy.min_caseload:
        return None
    bar = policy.flag_below / 100
    found = []
    if t.sla_judged and t.sla_met / t.sla_judged < bar:
        found.append(Reason("past_sla", t.sla_judged - t.sla_met, t.sla_judged))
    if t.rejected / t.referrals > 1 - bar:
        found.append(Reason("rejected", t.rejected, t.referrals))
    if not found:
        return None
    return max(found, key=lambda r: r.bad / r.whole)


def agency_row_flagged(row: dict[str, Any], policy: Policy) -> bool:
    """`agency_reason`'s rule read from a published agency row (its shares rounded to 4 places)."""
    if not row["code"] or row["referrals"] < policy.min_caseload:
        return False
    bar = policy.flag_below / 100
    sla, rejected = row["sla_compliance"], row["rejection_rate"]
    return (sla is not None and sla < bar) or (rejected is not None and rejected > 1 - bar)


def months_in_a_row(code: str, flagged_by_month: list[set[str]]) -> int:
    """How many months, newest first, an area has been flagged without a break."""
    count = 0
    for flagged in flagged_by_month:
        if code not in flagged:
            break
        count += 1
    return count
