"""Places kept with their raw scores between calls equal places computed afresh, ties and all."""

from __future__ import annotations

import random

from monitoring.domain.measures import Measures
from monitoring.domain.ranking import Policy, RawScores, Weights, measured_rows, places


def measures(rng: random.Random) -> Measures:
    """An area's measures with small caseloads (ties) and some shares unknown."""
    n = rng.choice([0, 0, 1, 3, 4, 5, 6, 10, 20, rng.randint(0, 200)])

    def share() -> float | None:
        return None if rng.random() < 0.2 else rng.choice([0.5, round(rng.random(), 4)])

    return Measures(n, share() if n else None, 0, share() if n else None, share(), None, None,
                    0, 0, None, 0)  # fmt: skip


def test_places_with_kept_raw_scores_equal_places_afresh_and_the_full_rank() -> None:
    rng = random.Random(11)
    for policy in (Policy(), Policy(Weights(0.2, 0.5, 0.3), 1, 0.0, 60.0)):
        codes = [
            f"32.{r:02d}.{k:02d}.{2000 + v}" for r in (10, 11) for k in (1, 2) for v in range(25)
        ]
        areas = {c: (f"Desa {c}", measures(rng)) for c in codes}
        kept: RawScores = {}
        for _ in range(30):
            for code in rng.sample(codes, rng.randint(1, 8)):
                areas[code] = (areas[code][0], measures(rng))
            placed = places(areas, policy, raw_scores=kept)
            assert placed == places(areas, policy)
            # The order of the places is the full rank's order, with its ranks and scores.
            ordered = sorted(placed, key=lambda c: placed[c].order_key(c))
            rows = measured_rows(
                [{"code": c, "name": n} for c, (n, _) in areas.items()],
                {c: m for c, (_, m) in areas.items()},
                policy,
            )
            assert [r["code"] for r in rows] == ordered
            assert [(r["score"], r["status"], r["flagged"]) for r in rows] == [
                (placed[c].score, placed[c].status, placed[c].flagged) for c in ordered
            ]
