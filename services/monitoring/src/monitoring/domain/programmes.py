"""The district's programmes in public: PKH graduations against the targets, DTSEN proposals.

Counts and codes only. A graduation counts once, confirmed, in the month (district time) of its
decision. A DTSEN data proposal is a staged need: each stage is a referral; its state and the
days each stage took are read from those referrals (see `proposal_state`, `stage_days`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from statistics import median
from typing import Final, Literal
from zoneinfo import ZoneInfo

from monitoring.domain.regions import kecamatan_of
from slrt_shared.pace import Pace, pace

# The agency's reason code that sends a stage back to the village (referral's `stages.SEND_BACK`).
SEND_BACK: Final = "data_tidak_lengkap"
KINDS: Final = ("baru", "perubahan", "penghapusan")
STATES: Final = ("waiting", "at_village", "accepted", "rejected")
FIRST_YEAR: Final = 2000

State = Literal["waiting", "at_village", "accepted", "rejected"]


def year_bounds(year: int, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The instants a year starts and ends in the district's time."""
    return datetime(year, 1, 1, tzinfo=zone), datetime(year + 1, 1, 1, tzinfo=zone)


def month_of(moment: datetime, zone: ZoneInfo) -> str:
    """The month (YYYY-MM) a moment falls in, in the district's time."""
    return moment.astimezone(zone).strftime("%Y-%m")


def year_is_served(year: int, today: date) -> bool:
    """Whether a year can be asked for: from 2000 up to next year."""
    return FIRST_YEAR <= year <= today.year + 1


# --- graduations -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Graduation:
    """A confirmed graduation: where, by whom (a code), when it was decided."""

    village_code: str
    facilitator_code: str
    decided_at: datetime


@dataclass(frozen=True)
class Target:
    """A regency's target of a year: the district's total and the least per facilitator."""

    district_total: int
    per_facilitator: int


@dataclass
class Confirmed:
    """Confirmed graduations of an area in a year: the total and those of each month."""

    confirmed: int = 0
    by_month: Counter[str] = field(default_factory=Counter)

    def add(self, month: str) -> None:
        """Count one more graduation, decided in `month`."""
        self.confirmed += 1
        self.by_month[month] += 1

    def as_dict(self) -> dict[str, object]:
        """The counts as the API gives them (months without any left out)."""
        return {"confirmed": self.confirmed, "by_month": dict(sorted(self.by_month.items()))}


@dataclass(frozen=True)
class FacilitatorsAtMinimum:
    """How many of the active facilitators have graduated at least the minimum."""

    at_minimum: int | None  # None without a target
    active: int
    minimum: int | None


def count_graduations(
    graduations: Iterable[Graduation], zone: ZoneInfo
) -> tuple[Confirmed, dict[str, Confirmed], dict[str, Confirmed]]:
    """The district's, each kecamatan's and each village's confirmed graduations by month."""
    district, kecamatan, villages = Confirmed(), dict[str, Confirmed](), dict[str, Confirmed]()
    for g in graduations:
        month = month_of(g.decided_at, zone)
        district.add(month)
        kecamatan.setdefault(kecamatan_of(g.village_code), Confirmed()).add(month)
        villages.setdefault(g.village_code, Confirmed()).add(month)
    return district, kecamatan, villages


def facilitators_at_minimum(
    active: Iterable[str], graduations: Iterable[Graduation], target: Target | None
) -> FacilitatorsAtMinimum:
    """Of the active facilitators, how many reached the target's minimum (a count, no names)."""
    codes = set(active)
    if target is None:
        return FacilitatorsAtMinimum(None, len(codes), None)
    done = Counter(g.facilitator_code for g in graduations)
    reached = sum(1 for c in codes if done[c] >= target.per_facilitator)
    return FacilitatorsAtMinimum(reached, len(codes), target.per_facilitator)


def district_pace(confirmed: int, target: Target | None, year: int, today: date) -> Pace | None:
    """The district's confirmed graduations against its target and pace; None without one."""
    return None if target is None else pace(confirmed, target.district_total, year, today)


# --- DTSEN data proposals ----------------------------------------------------------------------


@dataclass(frozen=True)
class StageStep:
    """One referral of a staged need, as monitoring has read it so far."""

    stage: str | None
    index: int | None
    total: int | None
    dispatched_at: datetime | None
    rejected_at: datetime | None = None
    reason_code: str | None = None
    resolved_at: datetime | None = None
    outcome: str | None = None

    @property
    def rejected(self) -> bool:
        """Whether the agency rejected this referral."""
        return self.rejected_at is not None


@dataclass(frozen=True)
class Proposal:
    """A DTSEN data proposal: its village, kind and removal reason, and its stages' referrals."""

    village_code: str
    kind: str
    removal_reason: str | None
    steps: tuple[StageStep, ...] = ()


def _known(steps: Iterable[StageStep]) -> list[StageStep]:
    """The steps whose dispatch was read (a rejection read before it waits for it)."""
    return [s for s in steps if s.index is not None and s.total is not None]


def proposal_state(steps: Iterable[StageStep]) -> State:
    """Where a proposal stands.

    rejected: a stage ended with an outcome other than `resolved`, or the last stage (the
    decision) rejected it; accepted: the last stage resolved it `resolved`; at_village: its
    latest stage sent it back for completion (and it was not dispatched again yet); waiting:
    at an agency, or not yet dispatched.
    """
    known = _known(steps)
    for s in known:
        if s.outcome is not None and s.outcome != "resolved":
            return "rejected"
        if s.index == s.total and s.rejected:
            return "rejected"
    if any(s.index == s.total and s.outcome == "resolved" for s in known):
        return "accepted"
    if not known:
        return "waiting"
    latest = max(known, key=_order)
    if latest.rejected and latest.reason_code == SEND_BACK and latest.outcome is None:
        return "at_village"
    return "waiting"


def _order(step: StageStep) -> tuple[int, datetime]:
    assert step.index is not None
    return step.index, step.dispatched_at or datetime.min.replace(tzinfo=UTC)


def stage_days(steps: Iterable[StageStep]) -> dict[tuple[int, str], float]:
    """Days each ended stage took, by (index, code): from the stage's FIRST dispatch to its end.

    A stage sent back to the village and dispatched again counts once, with the time at the
    village in it; its end is its resolution, or the decision stage's rejection. A stage still
    under way is not counted.
    """
    known = _known(steps)
    out: dict[tuple[int, str], float] = {}
    for index in sorted({s.index for s in known if s.index is not None}):
        of_stage = [s for s in known if s.index == index]
        starts = [s.dispatched_at for s in of_stage if s.dispatched_at is not None]
        ends = [s.resolved_at for s in of_stage if s.outcome is not None and s.resolved_at]
        ends += [s.rejected_at for s in of_stage if s.index == s.total and s.rejected_at]
        if not starts or not ends:
            continue
        code = next((s.stage for s in of_stage if s.stage), str(index))
        out[(index, code)] = max(0.0, (min(ends) - min(starts)).total_seconds() / 86400)
    return out


@dataclass
class ProposalCounts:
    """The proposals of an area: received, where they stand, by kind, days per stage."""

    received: int = 0
    states: Counter[str] = field(default_factory=Counter)
    kinds: Counter[str] = field(default_factory=Counter)
    removal_reasons: Counter[str] = field(default_factory=Counter)
    days: dict[tuple[int, str], list[float]] = field(default_factory=dict)

    def add(self, proposal: Proposal) -> None:
        """Count one proposal."""
        self.received += 1
        self.states[proposal_state(proposal.steps)] += 1
        self.kinds[proposal.kind] += 1
        if proposal.removal_reason:
            self.removal_reasons[proposal.removal_reason] += 1
        for key, days in stage_days(proposal.steps).items():
            self.days.setdefault(key, []).append(days)

    def as_dict(self) -> dict[str, object]:
        """The counts as the API gives them."""
        return {
            "received": self.received,
            **{state: self.states[state] for state in STATES},
            "by_kind": {kind: self.kinds[kind] for kind in KINDS},
            "removal_reasons": dict(sorted(self.removal_reasons.items())),
            "stages": [
                {
                    "index": index,
                    "stage": code,
                    "ended": len(days),
                    "median_days": round(median(days), 1),
                }
                for (index, code), days in sorted(self.days.items())
            ],
        }


def count_proposals(
    proposals: Iterable[Proposal],
) -> tuple[ProposalCounts, dict[str, ProposalCounts], dict[str, ProposalCounts]]:
    """The district's, each kecamatan's and each village's proposal counts."""
    district, kecamatan, villages = (
        ProposalCounts(),
        dict[str, ProposalCounts](),
        dict[str, ProposalCounts](),
    )
    for p in proposals:
        district.add(p)
        kecamatan.setdefault(kecamatan_of(p.village_code), ProposalCounts()).add(p)
        villages.setdefault(p.village_code, ProposalCounts()).add(p)
    return district, kecamatan, villages


def proposals_of(
    rows: Iterable[Mapping[str, object]], steps: Mapping[object, list[StageStep]]
) -> list[Proposal]:
    """Proposals from their stored rows and each one's referrals (by complaint id)."""
    return [
        Proposal(
            str(r["village_code"]),
            str(r["kind"]),
            None if r["removal_reason"] is None else str(r["removal_reason"]),
            tuple(steps.get(r["complaint_id"], [])),
        )
        for r in rows
    ]
