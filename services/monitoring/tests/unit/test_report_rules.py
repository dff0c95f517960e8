"""Periods, region codes, ranking rows and the snapshot digest (pure)."""

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from monitoring.domain.measures import EMPTY, AgencyTally, by_kecamatan
from monitoring.domain.periods import (
    current_month,
    is_month,
    months_before,
    period_bounds,
    trend_months,
)
from monitoring.domain.ranking import Policy, agency_rows, digest, encoded, ranked_rows
from monitoring.domain.regions import (
    areas_of_village,
    kecamatan_of,
    regency_of,
    regency_of_village,
    within,
)

NOW = datetime(2025, 6, 20, tzinfo=UTC)
DAY = timedelta(days=1)


def test_period_bounds_cover_a_whole_month_and_all_time_is_open() -> None:
    assert period_bounds("2025-12", NOW) == (
        datetime(2025, 12, 1, tzinfo=UTC),
        datetime(2026, 1, 1, tzinfo=UTC),
    )
    assert period_bounds("rolling-30d", NOW) == (NOW - 30 * DAY, None)
    assert period_bounds(None, NOW) == (None, None)
    assert period_bounds("all", NOW) == (None, None)
    assert months_before("2025-02", 3) == ["2024-12", "2025-01", "2025-02"]


def test_a_trend_ends_with_its_month_or_else_with_the_current_one() -> None:
    assert current_month(datetime(2025, 6, 30, 23, tzinfo=UTC)) == "2025-06"
    assert (is_month("2025-06"), is_month("rolling-30d"), is_month("all"), is_month(None)) == (
        True,
        False,
        False,
        False,
    )
    assert trend_months("2025-02", NOW, 2) == ["2025-01", "2025-02"]
    assert trend_months("rolling-30d", NOW, 2) == ["2025-05", "2025-06"]
    assert trend_months(None, NOW) == months_before("2025-06", 6)


def test_a_village_code_names_its_kecamatan_and_regency() -> None:
    village = "32.15.02.2001"
    assert (kecamatan_of(village), regency_of(village), regency_of_village(village)) == (
        "32.15.02",
        "32.15",
        "32.15",
    )
    assert regency_of("32.15.02") == "32.15"
    assert areas_of_village(village) == ("32.15.02", "32.15")
    assert within(village, "32.15.02") and within(village, None)
    assert not within("32.15.021.2001", "32.15.02")


def test_every_listed_area_gets_a_row_and_kecamatan_add_up_their_villages() -> None:
    tallies = {"32.15.02.2001": replace(EMPTY, received=6), "32.15.02.2002": EMPTY}
    regions = [
        {"code": "32.15.02.2001", "name": "Ramai"},
        {"code": "32.15.02.2002", "name": "Sepi"},
        {"code": "32.15.02.2003", "name": "Diam"},
    ]
    rows = ranked_rows(regions, tallies, Policy(min_caseload=5))
    assert [(r["code"], r["rank"], r["status"]) for r in rows] == [
        ("32.15.02.2001", 1, "ranked"),
        ("32.15.02.2002", None, "not_active"),
        ("32.15.02.2003", None, "not_active"),
    ]
    assert rows[0]["name"] == "Ramai" and rows[0]["received"] == 6
    assert by_kecamatan(tallies)["32.15.02"].received == 6


def agency(resolved: int, judged: int, met: int, days: list[float]) -> AgencyTally:
    return AgencyTally(judged, resolved, 0, [], days, judged, met)


def test_agencies_rank_by_sla_compliance_then_speed_and_keep_unknown_codes_as_names() -> None:
    rows = agency_rows(
        {
            "SLOW": agency(2, 2, 2, [9, 9]),
            "FAST": agency(2, 2, 2, [1, 1]),
            "LATE": agency(2, 2, 0, [1, 1]),
            None: agency(0, 0, 0, []),
        },
        {"FAST": "Dinas Cepat"},
    )
    assert [(r["rank"], r["code"], r["name"]) for r in rows[:3]] == [
        (1, "FAST", "Dinas Cepat"),
        (2, "SLOW", "SLOW"),
        (3, "LATE", "LATE"),
    ]
    assert (rows[3]["code"], rows[3]["name"]) == (None, None)


def test_a_ranking_whose_backlog_only_aged_keeps_its_digest() -> None:
    row = {"code": "32.15.02.2001", "score": 80.0, "backlog_median_age_days": 1.0}
    assert digest([row]) == digest([{**row, "backlog_median_age_days": 2.5}])
    assert digest([row]) != digest([{**row, "score": 81.0}])


def test_the_digest_leaves_out_the_backlog_age_wherever_it_sits_and_nothing_else() -> None:
    first = {"backlog_median_age_days": 1.0, "code": "A", "score": 80.0}
    middle = {"code": "A", "backlog_median_age_days": None, "score": 80.0}
    last = {"code": "A", "score": 80.0, "backlog_median_age_days": 3.25}
    for row in (first, middle, last):
        aged = {**row, "backlog_median_age_days": 9.5}
        assert digest([row, row]) == digest([aged, aged]), row
        assert digest([row]) != digest([{**row, "score": 81.0}]), row
    # Text that reads like the field inside a name is content, and is kept.
    named = {"code": "A", "name": 'x", "backlog_median_age_days": 1, "y'}
    assert digest([named]) != digest([{**named, "name": 'x", "backlog_median_age_days": 2, "y'}])
    payload, fingerprint = encoded([last])
    assert json.loads(payload) == [last] and fingerprint == digest([last])


def test_codes_the_shared_parser_refuses_are_counted_and_filtered_as_before() -> None:
    # The events' contract admits a `00` segment; a query's kecamatan filter may be any text.
    assert areas_of_village("32.15.00.2001") == ("32.15.00", "32.15")
    assert kecamatan_of("32.15.00.2001") == "32.15.00"
    assert not within("32.15.02.2001", "32.15.02 ") and not within("32.15.02", "32.15.02")
    assert within("32.15.02.2001", "32.15")
