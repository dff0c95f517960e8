"""The resident's verdict: satisfaction and reopen rate of an area or an agency (no I/O).

A verdict is the latest (highest revision) answer the resident gave after closing: solved
yes/partly/no and a rating of 1 to 5. Satisfaction is the mean rating on a 0-1 scale,
(rating - 1) / 4, so that it weighs like the ranking's other shares. The reopen rate is the
share of the closed complaints that were reopened at least once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from monitoring.domain.regions import kecamatan_of

RATING_MIN, RATING_MAX = 1, 5
SOLVED = ("yes", "partly", "no")


@dataclass(frozen=True)
class VerdictTally:
    """Counts of an area's (or an agency's) verdicts and reopenings over a period."""

    verdicts: int = 0
    solved_yes: int = 0
    solved_partly: int = 0
    solved_no: int = 0
    rating_sum: int = 0
    closed: int = 0  # complaints ever closed (a reopened complaint counts as closed)
    reopened: int = 0  # of those, complaints reopened at least once


NO_VERDICTS = VerdictTally()


@dataclass(frozen=True)
class VerdictMeasures:
    """What residents said of an area's (or an agency's) handling of their complaints."""

    verdicts: int
    solved_yes: float | None
    solved_partly: float | None
    solved_no: float | None
    mean_rating: float | None
    satisfaction: float | None
    closed: int
    reopened: int
    reopen_rate: float | None


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def satisfaction_of(t: VerdictTally) -> float | None:
    """The mean rating on a 0-1 scale ((rating - 1) / 4), unrounded; None without a verdict."""
    if not t.verdicts:
        return None
    return (t.rating_sum / t.verdicts - RATING_MIN) / (RATING_MAX - RATING_MIN)


def reopen_rate_of(t: VerdictTally) -> float | None:
    """Reopened complaints over closed complaints, unrounded; None when none closed."""
    return t.reopened / t.closed if t.closed else None


def measure_verdicts(t: VerdictTally) -> VerdictMeasures:
    """The verdict measures of a tally."""
    satisfaction = satisfaction_of(t)
    rate = reopen_rate_of(t)
    return VerdictMeasures(
        verdicts=t.verdicts,
        solved_yes=_share(t.solved_yes, t.verdicts),
        solved_partly=_share(t.solved_partly, t.verdicts),
        solved_no=_share(t.solved_no, t.verdicts),
        mean_rating=round(t.rating_sum / t.verdicts, 2) if t.verdicts else None,
        satisfaction=None if satisfaction is None else round(satisfaction, 4),
        closed=t.closed,
        reopened=t.reopened,
        reopen_rate=None if rate is None else round(rate, 4),
    )


def verdict_fields(t: VerdictTally) -> dict[str, Any]:
    """A tally's measures as the public JSON carries them (the `verdicts` object)."""
    m = measure_verdicts(t)
    return {name: getattr(m, name) for name in VerdictMeasures.__dataclass_fields__}


def combine_verdicts(tallies: list[VerdictTally]) -> VerdictTally:
    """The tally of a larger area (a kecamatan, a regency) from the tallies of its parts."""
    return VerdictTally(
        verdicts=sum(t.verdicts for t in tallies),
        solved_yes=sum(t.solved_yes for t in tallies),
        solved_partly=sum(t.solved_partly for t in tallies),
        solved_no=sum(t.solved_no for t in tallies),
        rating_sum=sum(t.rating_sum for t in tallies),
        closed=sum(t.closed for t in tallies),
        reopened=sum(t.reopened for t in tallies),
    )


def shrink(value: float | None, n: int, mean: float, k: float) -> float:
    """A share measured on `n` cases pulled toward `mean` by `k` pseudo-cases.

    (n x value + k x mean) / (n + k); the mean itself when nothing was measured.
    """
    if value is None or n + k == 0:
        return mean
    return (n * value + k * mean) / (n + k)


@dataclass(frozen=True)
class VerdictShares:
    """The district's pooled satisfaction and reopen rate, toward which each area is shrunk.

    None: no area of the district has any (no verdict given, no complaint closed) yet.
    """

    satisfaction: float | None
    reopen_rate: float | None

    @staticmethod
    def of(tallies: list[VerdictTally]) -> VerdictShares:
        """The pooled shares of the areas together."""
        total = combine_verdicts(tallies)
        return VerdictShares(satisfaction_of(total), reopen_rate_of(total))

    def shrunk(self, t: VerdictTally, k: float) -> tuple[float | None, float | None]:
        """An area's satisfaction and share of closed complaints not reopened, both shrunk.

        Satisfaction is shrunk by its number of verdicts, the reopen rate by its number of
        closed complaints: each measure by its own sample, as few residents answer. None for a
        share the district has no data for.
        """
        satisfaction = (
            None
            if self.satisfaction is None
            else shrink(satisfaction_of(t), t.verdicts, self.satisfaction, k)
        )
        not_reopened = (
            None
            if self.reopen_rate is None
            else 1 - shrink(reopen_rate_of(t), t.closed, self.reopen_rate, k)
        )
        return satisfaction, not_reopened


def verdicts_by_kecamatan(villages: dict[str, VerdictTally]) -> dict[str, VerdictTally]:
    """Kecamatan verdict tallies from those of their villages."""
    grouped: dict[str, list[VerdictTally]] = {}
    for code, t in villages.items():
        grouped.setdefault(kecamatan_of(code), []).append(t)
    return {code: combine_verdicts(parts) for code, parts in grouped.items()}
