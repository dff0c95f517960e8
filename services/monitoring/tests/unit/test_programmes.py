"""The programmes' rules: a proposal's state and its stages' days, graduations by month, pace."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from monitoring.domain.programmes import (
    Graduation,
    Proposal,
    StageStep,
    Target,
    count_graduations,
    count_proposals,
    district_pace,
    facilitators_at_minimum,
    proposal_state,
    stage_days,
    year_is_served,
)

JAKARTA = ZoneInfo("Asia/Jakarta")
T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
VILLAGE = "32.15.02.2001"


def day(n: float) -> datetime:
    """`n` days after T0."""
    return T0 + timedelta(days=n)


def step(index: int, at: float, **more: object) -> StageStep:
    """A referral of stage `index` of three, dispatched `at` days after T0."""
    codes = {1: "kelengkapan", 2: "verifikasi", 3: "keputusan"}
    return StageStep(codes[index], index, 3, day(at), **more)  # type: ignore[arg-type]


def test_a_proposal_not_yet_dispatched_or_at_an_agency_is_waiting() -> None:
    assert proposal_state([]) == "waiting"
    assert proposal_state([step(1, 0)]) == "waiting"
    assert proposal_state([step(1, 0, resolved_at=day(1), outcome="resolved"), step(2, 1)]) == (
        "waiting"
    )


def test_a_send_back_waits_at_the_village_until_the_stage_is_dispatched_again() -> None:
    sent_back = step(1, 0, rejected_at=day(2), reason_code="data_tidak_lengkap")
    assert proposal_state([sent_back]) == "at_village"
    assert proposal_state([sent_back, step(1, 5)]) == "waiting"


def test_another_rejection_before_the_last_stage_goes_to_the_next_agency() -> None:
    refused = step(2, 0, rejected_at=day(1), reason_code="bukan_kewenangan")
    assert proposal_state([refused]) == "waiting"


def test_the_decision_accepts_or_rejects_and_any_other_outcome_ends_it_rejected() -> None:
    first = step(1, 0, resolved_at=day(1), outcome="resolved")
    second = step(2, 1, resolved_at=day(3), outcome="resolved")
    assert proposal_state([first, second, step(3, 3, resolved_at=day(4), outcome="resolved")]) == (
        "accepted"
    )
    rejected = step(3, 3, rejected_at=day(4), reason_code="data_tidak_lengkap")
    assert proposal_state([first, second, rejected]) == "rejected"
    assert proposal_state([first, step(2, 1, resolved_at=day(2), outcome="unresolvable")]) == (
        "rejected"
    )


def test_a_rejection_read_before_its_dispatch_waits_for_it() -> None:
    orphan = StageStep(None, None, None, None, rejected_at=day(1), reason_code="data_tidak_lengkap")
    assert proposal_state([orphan]) == "waiting"


def test_a_stage_sent_back_counts_from_its_first_dispatch_to_its_end() -> None:
    steps = [
        step(1, 0, rejected_at=day(1), reason_code="data_tidak_lengkap"),
        step(1, 4, resolved_at=day(6), outcome="resolved"),
        step(2, 6, resolved_at=day(9.5), outcome="resolved"),
        step(3, 9.5, rejected_at=day(12), reason_code="bukan_kewenangan"),
    ]
    assert stage_days(steps) == {
        (1, "kelengkapan"): 6.0,
        (2, "verifikasi"): 3.5,
        (3, "keputusan"): 2.5,
    }


def test_a_stage_under_way_has_no_days_yet() -> None:
    assert stage_days([step(1, 0, resolved_at=day(2), outcome="resolved"), step(2, 2)]) == {
        (1, "kelengkapan"): 2.0
    }


def test_proposals_are_counted_by_state_kind_and_median_days_per_stage() -> None:
    done = step(1, 0, resolved_at=day(2), outcome="resolved")
    slow = step(1, 0, resolved_at=day(6), outcome="resolved")
    other = "32.15.03.2001"
    district, kecamatan, villages = count_proposals(
        [
            Proposal(VILLAGE, "baru", None, (done,)),
            Proposal(VILLAGE, "penghapusan", "meninggal", (slow,)),
            Proposal(other, "perubahan", None, ()),
        ]
    )
    counted = district.as_dict()
    assert counted["received"] == 3 and counted["waiting"] == 3
    assert counted["by_kind"] == {"baru": 1, "perubahan": 1, "penghapusan": 1}
    assert counted["removal_reasons"] == {"meninggal": 1}
    assert counted["stages"] == [
        {"index": 1, "stage": "kelengkapan", "ended": 2, "median_days": 4.0}
    ]
    assert villages[VILLAGE].received == 2 and kecamatan["32.15.03"].received == 1


def test_a_graduation_counts_in_its_month_of_district_time() -> None:
    # 31 March 20:00 UTC is 1 April 03:00 in Karawang.
    late = datetime(2026, 3, 31, 20, 0, tzinfo=UTC)
    district, kecamatan, villages = count_graduations(
        [Graduation(VILLAGE, "PKH-1", late), Graduation(VILLAGE, "PKH-1", T0)], JAKARTA
    )
    assert district.as_dict() == {"confirmed": 2, "by_month": {"2026-03": 1, "2026-04": 1}}
    assert kecamatan["32.15.02"].confirmed == 2 and villages[VILLAGE].confirmed == 2


def test_facilitators_at_the_minimum_are_counted_among_the_active_only() -> None:
    done = [Graduation(VILLAGE, "PKH-1", T0)] * 2 + [Graduation(VILLAGE, "PKH-9", T0)] * 5
    counted = facilitators_at_minimum(["PKH-1", "PKH-2"], done, Target(100, 2))
    assert (counted.at_minimum, counted.active, counted.minimum) == (1, 2, 2)
    assert facilitators_at_minimum(["PKH-1"], done, None).at_minimum is None


def test_the_pace_is_the_confirmed_so_far_over_the_elapsed_share_of_the_year() -> None:
    # 1 July 2026 is day 182 of 365: 1,000 confirmed carry on to 2,005.
    on = district_pace(1000, Target(2000, 10), 2026, date(2026, 7, 1))
    assert on is not None and on.on_pace and not on.reached and on.projected == 2005
    behind = district_pace(990, Target(2000, 10), 2026, date(2026, 7, 1))
    assert behind is not None and not behind.on_pace
    assert district_pace(5, None, 2026, date(2026, 7, 1)) is None


def test_a_year_from_2000_to_the_next_is_served() -> None:
    today = date(2026, 12, 2)
    assert year_is_served(2000, today) and year_is_served(2027, today)
    assert not year_is_served(1999, today) and not year_is_served(2028, today)
