"""A fair ranking of Puskesos: a weighted score, shrunk toward the district mean.

Score (0-100) = 100 x the weighted mean of three shares: complaints closed (resolution rate),
referrals resolved within their SLA, and complaints registered within a day of being received.
A share that cannot be computed yet (no referral due, say) counts at the district's mean.
Small caseloads are handled twice: an area needs `min_caseload` complaints to be ranked at all,
and its score is shrunk toward the district mean by `prior_strength` pseudo-complaints:
adjusted = (n x score + k x mean) / (n + k). Areas with no complaint are listed as not active.
Ranked areas whose adjusted score is below `flag_below` are flagged.

Two more shares may be weighed (their weights are 0 by default, which leaves the score as
above): the residents' satisfaction (mean rating on a 0-1 scale) and the share of closed
complaints not reopened. Few residents answer, so each is first shrunk toward the district's
pooled value by its own sample (verdicts, closed complaints) with the same `prior_strength`;
an area without any counts at the district's value. The score is then shrunk as above.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from typing import Any, NamedTuple

from monitoring.domain.measures import (
    EMPTY,
    AgencyTally,
    Measures,
    Tally,
    measure_agency_tally,
    measure_fields,
    measure_tally,
)
from monitoring.domain.verdicts import NO_VERDICTS, VerdictShares, VerdictTally
from slrt_shared.contracts.events import RankingRow

LEVELS = ("village", "kecamatan", "agency")
# Changes with the clock alone, so it does not make a ranking new: its value (a number or
# null) is blanked in the JSON that is fingerprinted. A quote inside a string is escaped, so no
# name can match.
_UNSTABLE = re.compile(r'"backlog_median_age_days": [^,}]*')
_BLANKED = '"backlog_median_age_days": _'


@dataclass(frozen=True)
class Weights:
    """How much each share counts; normalised, so only their ratios matter."""

    resolution: float = 0.5
    sla: float = 0.3
    registration: float = 0.2
    satisfaction: float = 0.0
    not_reopened: float = 0.0

    @property
    def weighs_verdicts(self) -> bool:
        """Whether the residents' verdicts count in the score (they need to be read then)."""
        return self.satisfaction > 0 or self.not_reopened > 0


@dataclass(frozen=True)
class Policy:
    """The district's ranking rules."""

    weights: Weights = Weights()
    min_caseload: int = 5
    prior_strength: float = 5.0
    flag_below: float = 50.0


@dataclass(frozen=True)
class Ranked:
    """An area's place: rank and score, or why it is not ranked."""

    code: str
    name: str
    rank: int | None
    score: float | None
    status: str  # ranked | too_few_cases | not_active
    flagged: bool
    measures: Measures


def _shares(m: Measures) -> tuple[float | None, float | None, float | None]:
    return m.resolution_rate, m.sla_compliance, m.registered_within_a_day


def _mean(values: list[float]) -> float:
    return sum(values) / len(values) if values else 0.0


def raw_score(
    m: Measures,
    weights: Weights,
    fallback: tuple[float, float, float],
    verdict: tuple[float | None, float | None] = (None, None),
) -> float:
    """The weighted score of an area before shrinkage, 0-100.

    `verdict` is its shrunk satisfaction and share not reopened (`VerdictShares.shrunk`); a
    share the whole district has no data for yet (None) is left out, its weight with it.
    """
    parts = [
        (weights.resolution, m.resolution_rate, fallback[0]),
        (weights.sla, m.sla_compliance, fallback[1]),
        (weights.registration, m.registered_within_a_day, fallback[2]),
    ]
    if weights.weighs_verdicts:
        for weight, value in zip(
            (weights.satisfaction, weights.not_reopened), verdict, strict=True
        ):
            if value is not None:
                parts.append((weight, value, value))
    total = sum(w for w, _, _ in parts) or 1.0
    return 100 * sum(w * (v if v is not None else f) for w, v, f in parts) / total


RANKED, TOO_FEW_CASES, NOT_ACTIVE_GROUP = 0, 1, 2
STATUSES = ("ranked", "too_few_cases", "not_active")


class Place(NamedTuple):
    """Where an area falls in a ranking's order, all but its position: what its row shows of it.

    Areas are listed by `group` (ranked, then too few cases, then not active), then by score
    (highest first), caseload (largest first) and code: `order_key` is that order. A tuple, not
    a dataclass: the country's tens of thousands are built again in every cycle that moved.
    """

    group: int
    score: float | None
    received: int
    flagged: bool

    @property
    def status(self) -> str:
        """`ranked`, `too_few_cases` or `not_active`."""
        return STATUSES[self.group]

    def order_key(self, code: str) -> tuple[int, float, int, str]:
        """The area's key in the ranking's order (an unranked area's score counts as 0)."""
        return (self.group, -(self.score or 0.0), -self.received, code)


# An area's shares, the fallback its raw score used (None: it needed none), and that score.
RawScores = dict[str, tuple[tuple[float | None, ...], tuple[float, ...] | None, float]]


def places(
    areas: dict[str, tuple[str, Measures]],
    policy: Policy,
    verdicts: dict[str, VerdictTally] | None = None,
    raw_scores: RawScores | None = None,
) -> dict[str, Place]:
    """Each area's place in a fair ranking: its group, adjusted score and flag, in no order.

    `verdicts` (each area's, none for an area without) are weighed when the policy says so.
    The sums run over `areas` in their given order, so the same order gives the same scores.
    `raw_scores`, kept by the caller between calls with the same policy, spares computing again
    the raw score of an area whose shares (and, if it needed them, the means) did not change.
    """
    active = [m for _, m in areas.values() if m.received]
    fallback = (
        _mean([m.resolution_rate for m in active if m.resolution_rate is not None]),
        _mean([m.sla_compliance for m in active if m.sla_compliance is not None]),
        _mean([m.registered_within_a_day for m in active if m.registered_within_a_day is not None]),
    )
    k = policy.prior_strength
    if policy.weights.weighs_verdicts:
        found = verdicts or {}
        pooled = VerdictShares.of(
            [found[c] for c, (_, m) in areas.items() if m.received and c in found]
        )
        raw = {
            code: raw_score(
                m, policy.weights, fallback, pooled.shrunk(found.get(code, NO_VERDICTS), k)
            )
            for code, (_, m) in areas.items()
            if m.received
        }
    elif raw_scores is not None:
        raw = {}
        for code, (_, m) in areas.items():
            if not m.received:
                continue
            shares = _shares(m)
            known = raw_scores.get(code)
            if known is not None and known[0] == shares and known[1] in (None, fallback):
                raw[code] = known[2]
            else:
                raw[code] = raw_score(m, policy.weights, fallback)
                used = fallback if None in shares else None
                raw_scores[code] = (shares, used, raw[code])
    else:
        raw = {
            code: raw_score(m, policy.weights, fallback)
            for code, (_, m) in areas.items()
            if m.received
        }
    weighted = sum(raw[c] * areas[c][1].received for c in raw)
    cases = sum(areas[c][1].received for c in raw)
    district_mean = weighted / cases if cases else 0.0

    out: dict[str, Place] = {}
    for code, (_, m) in areas.items():
        n = m.received
        if n >= policy.min_caseload:
            adjusted = round((n * raw[code] + k * district_mean) / (n + k), 1)
            out[code] = Place(RANKED, adjusted, n, adjusted < policy.flag_below)
        else:
            out[code] = Place(TOO_FEW_CASES if n else NOT_ACTIVE_GROUP, None, n, False)
    return out


def _in_order(placed: dict[str, Place]) -> Iterator[tuple[str, int | None, Place]]:
    """Areas in the ranking's order, each with its position (None: not ranked) and place."""
    position = 0
    for code, p in sorted(placed.items(), key=lambda item: item[1].order_key(item[0])):
        if p.group == RANKED:
            position += 1
            yield code, position, p
        else:
            yield code, None, p


def rank(
    areas: dict[str, tuple[str, Measures]],
    policy: Policy,
    verdicts: dict[str, VerdictTally] | None = None,
) -> list[Ranked]:
    """Rank areas fairly; list the others after, with the reason.

    `verdicts` (each area's, none for an area without) are weighed when the policy says so.
    """
    return [
        Ranked(code, areas[code][0], position, p.score, p.status, p.flagged, areas[code][1])
        for code, position, p in _in_order(places(areas, policy, verdicts))
    ]


def ranked_rows(
    regions: list[dict[str, Any]],
    tallies: dict[str, Tally],
    policy: Policy,
    verdicts: dict[str, VerdictTally] | None = None,
) -> list[dict[str, Any]]:
    """Rank named areas (every one listed, active or not) from their tallies."""
    return measured_rows(
        regions,
        {a["code"]: measure_tally(tallies.get(a["code"], EMPTY)) for a in regions},
        policy,
        verdicts=verdicts,
    )


NOT_ACTIVE = measure_tally(EMPTY)


def measured_rows(
    regions: list[dict[str, Any]],
    measures: dict[str, Measures],
    policy: Policy,
    known: dict[str, dict[str, Any]] | None = None,
    verdicts: dict[str, VerdictTally] | None = None,
) -> list[dict[str, Any]]:
    """Rank named areas from their measures (an area without any is not active).

    `known` may hold some areas' `measure_fields`, already computed; `verdicts` each area's
    verdict tally, weighed when the policy says so. The rows are `rank`'s, as dicts.
    """
    areas = {a["code"]: (a["name"], measures.get(a["code"], NOT_ACTIVE)) for a in regions}
    known = known or {}
    return [
        {
            "rank": position,
            "code": code,
            "name": areas[code][0],
            "score": p.score,
            "status": STATUSES[p.group],
            "flagged": p.flagged,
            **(known[code] if code in known else measure_fields(areas[code][1])),
        }
        for code, position, p in _in_order(places(areas, policy, verdicts))
    ]


def agency_rows(
    tallies: dict[str | None, AgencyTally], names: dict[str, str]
) -> list[dict[str, Any]]:
    """Every agency's measures, best SLA compliance first, named from `names` when known."""
    rows = [
        {
            "code": code,
            "name": names.get(code, code) if code else code,
            **asdict(measure_agency_tally(t)),
        }
        for code, t in tallies.items()
    ]
    rows.sort(
        key=lambda r: (-(r["sla_compliance"] or 0), r["median_days_to_resolve"] or 1e9, r["code"])
    )
    for position, row in enumerate(rows, start=1):
        row["rank"] = position
    return rows


def encoded(rows: list[dict[str, Any]]) -> tuple[str, str]:
    """A ranking's JSON and its fingerprint (`digest`), from one encoding."""
    payload = json.dumps(rows, default=str)
    stable = _UNSTABLE.sub(_BLANKED, payload)
    return payload, hashlib.sha256(stable.encode()).hexdigest()


def digest(rows: list[dict[str, Any]]) -> str:
    """A fingerprint of a ranking that changes only when its published content does."""
    return encoded(rows)[1]


def announced_row(row: dict[str, Any]) -> RankingRow:
    """A ranking row as `ranking.updated` carries it; an agency's score is its SLA compliance."""
    return RankingRow(
        rank=row["rank"],
        code=row["code"],
        name=row["name"],
        score=row.get("score", (row.get("sla_compliance") or 0) * 100),
        complaints=row.get("received", row.get("referrals", 0)),
        closed=row.get("closed", row.get("resolved", 0)),
    )
