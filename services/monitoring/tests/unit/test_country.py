"""The country's measures kept as villages change equal a tally of all of them at once."""

from __future__ import annotations

import random

from monitoring.domain.country import CountryTally, OrderedValues
from monitoring.domain.measures import (
    MICROSECONDS_PER_DAY,
    AreaState,
    VillageMonth,
    area_state,
    measure_tally,
    summary_tally,
)

NOW_US = 200 * 86_400 * 1_000_000


def village(rng: random.Random, code: str) -> AreaState | None:
    """A village's state from a random month of complaints (some open, some with referrals)."""
    n = rng.randint(0, 30)
    received = [NOW_US - rng.randint(0, 40 * MICROSECONDS_PER_DAY) for _ in range(n)]
    # Durations from a small set too, so that equal values are removed one at a time.
    close = [
        None if rng.random() < 0.3 else rng.choice([3_600_000_000, rng.randint(1, 10**12)])
        for _ in range(n)
    ]
    due = [None if rng.random() < 0.4 else r + rng.randint(0, 9) * 10**11 for r in received]
    part = VillageMonth(
        code,
        received,
        [rng.random() < 0.7 for _ in range(n)],
        close,
        received,
        due,
        [c is not None for c in close],
        [rng.random() < 0.5 for _ in range(n)],
        [rng.randint(0, 2) for _ in range(n)],
        [rng.random() < 0.2 for _ in range(n)],
    )
    return area_state([part], NOW_US, None, None)


def test_a_country_kept_by_changes_measures_as_one_tally_of_all() -> None:
    rng = random.Random(7)
    codes = [f"32.15.{k:02d}.{2000 + v}" for k in range(1, 6) for v in range(1, 21)]
    states: dict[str, AreaState] = {}
    country = CountryTally()
    for step in range(12):
        for code in rng.sample(codes, 100 if step == 0 else 9):
            new = village(rng, code)
            country.change(states.get(code), new)
            if new is None:
                states.pop(code, None)
            else:
                states[code] = new
        for now_us in (NOW_US, NOW_US + rng.randint(1, 10**10)):
            expected = measure_tally(summary_tally(list(states.values()), now_us))
            assert country.measures(now_us) == expected, step


def test_an_empty_country_has_no_durations() -> None:
    country = CountryTally()
    assert country.measures(NOW_US) == measure_tally(summary_tally([], NOW_US))


def test_ordered_values_give_the_kth_smallest_after_additions_and_removals() -> None:
    rng = random.Random(3)
    values = OrderedValues(0.5)
    kept: list[float] = []
    for _ in range(30):
        added = [rng.choice([rng.uniform(-3, 40), 1.25]) for _ in range(rng.randint(0, 40))]
        values.add(added)
        kept.extend(added)
        removed = rng.sample(kept, min(len(kept), rng.randint(0, 15)))
        values.remove(removed)
        for value in removed:
            kept.remove(value)
        ordered = sorted(kept)
        assert len(values) == len(ordered)
        assert [values.kth(i) for i in range(len(ordered))] == ordered
