"""Why a village or an agency is flagged, for how long, and how the map shades a village."""

from __future__ import annotations

from monitoring.domain import choropleth
from monitoring.domain.measures import AgencyTally, Tally
from monitoring.domain.ranking import Policy, agency_rows
from monitoring.domain.underperformance import (
    Reason,
    agency_reason,
    agency_row_flagged,
    months_in_a_row,
    village_reason,
)

POLICY = Policy()


def tally(received: int, closed: int, prompt: int, judged: int = 0, met: int = 0) -> Tally:
    return Tally(received, prompt, [1.0] * closed, [2.0] * (received - closed), judged, met, 0, 0)


def agency(referrals: int, rejected: int, judged: int, met: int) -> AgencyTally:
    return AgencyTally(referrals, met, rejected, [], [], judged, met)


def test_the_share_costing_the_most_points_is_the_reason() -> None:
    # 12 of 20 referrals late costs 0.3 x 0.6 = 0.18; 2 of 10 not closed only 0.5 x 0.2 = 0.1.
    assert village_reason(tally(10, 8, 10, judged=20, met=8), POLICY) == Reason("past_sla", 12, 20)
    assert village_reason(tally(10, 2, 10, judged=20, met=8), POLICY) == Reason("not_closed", 8, 10)
    assert village_reason(tally(10, 10, 1), POLICY) == Reason("registered_late", 9, 10)
    assert village_reason(tally(10, 10, 10, judged=4, met=4), POLICY) is None


def test_an_agency_is_flagged_for_late_or_rejected_referrals_once_it_has_enough() -> None:
    assert agency_reason(agency(20, 0, 20, 8), POLICY) == Reason("past_sla", 12, 20)
    assert agency_reason(agency(10, 6, 4, 4), POLICY) == Reason("rejected", 6, 10)
    # Both: the worse share is given.
    assert agency_reason(agency(10, 6, 4, 1), POLICY) == Reason("past_sla", 3, 4)
    assert agency_reason(agency(10, 5, 5, 3), POLICY) is None
    assert agency_reason(agency(4, 4, 0, 0), POLICY) is None  # too few referrals to judge


def test_a_published_agency_row_is_flagged_as_its_tally_is() -> None:
    tallies = {
        f"A{i}": t
        for i, t in enumerate(
            agency(referrals, rejected, judged, met)
            for referrals in (4, 5, 10, 20)
            for rejected in (0, 3, 5, 6)
            for judged in (0, 4, 5)
            for met in (0, 2, 3, 4)
            if rejected <= referrals and met <= judged and judged + rejected <= referrals
        )
    }
    rows = agency_rows(dict(tallies), {})
    flagged = {r["code"] for r in rows if agency_row_flagged(r, POLICY)}
    assert flagged == {code for code, t in tallies.items() if agency_reason(t, POLICY)}
    assert flagged and flagged != set(tallies)
    # Referrals to no known agency are never flagged, as `agency_reason`'s callers skip them.
    [unknown] = agency_rows({None: agency(9, 9, 0, 0)}, {})
    assert not agency_row_flagged(unknown, POLICY)


def test_months_in_a_row_stop_at_the_first_month_not_flagged() -> None:
    months = [{"a", "b"}, {"a"}, {"b"}, {"a"}]
    assert months_in_a_row("a", months) == 2
    assert months_in_a_row("b", months) == 1
    assert months_in_a_row("c", months) == 0


def test_the_map_tells_not_active_from_no_data_and_steps_the_value() -> None:
    row = {"status": "ranked", "score": 61.0, "sla_compliance": None, "resolution_rate": 1.0}
    assert choropleth.shade(row, "score") == "s3"
    assert choropleth.shade(row, "resolution_rate") == "s4"
    assert choropleth.shade(row, "sla_compliance") == choropleth.NO_DATA
    assert choropleth.shade({**row, "status": "too_few_cases", "score": None}, "score") == "no_data"
    assert choropleth.shade({"status": "not_active", "score": None}, "score") == "not_active"
    assert choropleth.shade({**row, "score": 0.0}, "score") == "s0"
    assert [s[2:] for s in choropleth.steps()] == [(0, 20), (20, 40), (40, 60), (60, 80), (80, 100)]
