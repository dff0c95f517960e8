from datetime import UTC, datetime

import pytest

from slrt_shared.months import month_bounds


def test_a_month_runs_from_its_first_instant_to_the_next_months_in_utc() -> None:
    assert month_bounds("2026-02") == (
        datetime(2026, 2, 1, tzinfo=UTC),
        datetime(2026, 3, 1, tzinfo=UTC),
    )
    assert month_bounds("2026-12")[1] == datetime(2027, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize("bad", ["2026-13", "2026-0", "11-2026", "2026/11", ""])
def test_anything_but_yyyy_mm_is_refused(bad: str) -> None:
    with pytest.raises(ValueError):
        month_bounds(bad)
