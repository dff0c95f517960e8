"""The residents' verdicts: their measures, their shrinkage and their weight in the ranking."""

import pytest

from monitoring.domain.measures import Measures
from monitoring.domain.ranking import Policy, Weights, rank
from monitoring.domain.verdicts import (
    NO_VERDICTS,
    VerdictShares,
    VerdictTally,
    combine_verdicts,
    measure_verdicts,
    shrink,
    verdicts_by_kecamatan,
)
from monitoring.entrypoints.publication import guide_page
from monitoring.settings import MonitoringSettings


def m(received: int, closed: int) -> Measures:
    return Measures(received, 1.0, closed, closed / received, 1.0, None, None, 0, 0, None, 0)


def said(ratings: list[int], closed: int = 0, reopened: int = 0) -> VerdictTally:
    """A tally of verdicts with these ratings (5 and 4 solved, 3 partly, else not)."""
    solved = ["yes" if r >= 4 else "partly" if r == 3 else "no" for r in ratings]
    return VerdictTally(
        verdicts=len(ratings),
        solved_yes=solved.count("yes"),
        solved_partly=solved.count("partly"),
        solved_no=solved.count("no"),
        rating_sum=sum(ratings),
        closed=closed,
        reopened=reopened,
    )


def test_the_measures_of_verdicts_and_reopenings() -> None:
    measures = measure_verdicts(said([5, 4, 3, 1], closed=8, reopened=2))
    assert measures.verdicts == 4
    assert (measures.solved_yes, measures.solved_partly, measures.solved_no) == (0.5, 0.25, 0.25)
    assert measures.mean_rating == 3.25
    # The mean rating on a 0-1 scale: (3.25 - 1) / 4.
    assert measures.satisfaction == 0.5625
    assert (measures.closed, measures.reopened, measures.reopen_rate) == (8, 2, 0.25)


def test_nothing_said_or_closed_has_no_measure_rather_than_zero() -> None:
    measures = measure_verdicts(NO_VERDICTS)
    assert measures.mean_rating is None and measures.satisfaction is None
    assert measures.solved_yes is None and measures.reopen_rate is None


def test_a_kecamatan_pools_its_villages() -> None:
    villages = {
        "32.15.01.2001": said([5], closed=2, reopened=1),
        "32.15.01.2002": said([1, 3], closed=2),
        "32.15.02.2001": said([4]),
    }
    kecamatan = verdicts_by_kecamatan(villages)
    assert kecamatan["32.15.01"] == said([5, 1, 3], closed=4, reopened=1)
    assert kecamatan["32.15.02"] == said([4])
    assert combine_verdicts(list(villages.values())) == said([5, 1, 3, 4], closed=4, reopened=1)


def test_a_share_is_shrunk_toward_the_mean_by_its_own_sample() -> None:
    assert shrink(1.0, 5, 0.5, 5) == pytest.approx(0.75)
    assert shrink(1.0, 95, 0.5, 5) == pytest.approx(0.975)
    assert shrink(None, 0, 0.4, 5) == 0.4
    pooled = VerdictShares(satisfaction=0.5, reopen_rate=0.2)
    # One verdict of 5 (satisfaction 1) with k=5 moves a sixth of the way from the mean; ten
    # closed complaints, half reopened, two thirds of the way from 0.2 to 0.5.
    satisfaction, not_reopened = pooled.shrunk(said([5], closed=10, reopened=5), 5)
    assert satisfaction == pytest.approx((1 * 1.0 + 5 * 0.5) / 6)
    assert not_reopened == pytest.approx(1 - (10 * 0.5 + 5 * 0.2) / 15)
    # An area nobody answered for counts at the district's values.
    assert pooled.shrunk(NO_VERDICTS, 5) == (0.5, pytest.approx(0.8))


AREAS = {
    "praised": ("Praised", m(20, 18)),
    "blamed": ("Blamed", m(20, 18)),
    "quiet": ("Quiet", m(20, 18)),
}
VERDICTS = {
    "praised": said([5] * 10, closed=18),
    "blamed": said([1] * 10, closed=18, reopened=9),
}


def test_by_default_verdicts_do_not_change_the_ranking() -> None:
    policy = Policy(min_caseload=1)
    assert Weights().satisfaction == 0 and Weights().not_reopened == 0
    assert rank(AREAS, policy, VERDICTS) == rank(AREAS, policy)


def test_weighed_satisfaction_and_reopenings_move_areas_up_and_down() -> None:
    policy = Policy(Weights(0.4, 0.2, 0.1, satisfaction=0.2, not_reopened=0.1), min_caseload=1)
    ranked = rank(AREAS, policy, VERDICTS)
    assert [r.code for r in ranked] == ["praised", "quiet", "blamed"]
    scores = [r.score for r in ranked]
    assert scores == sorted(scores, reverse=True) and len(set(scores)) == 3  # type: ignore[type-var]
    # Without verdicts the three are tied, as they are on every other measure.
    assert len({r.score for r in rank(AREAS, Policy(min_caseload=1))}) == 1


def test_few_verdicts_weigh_less_than_many() -> None:
    policy = Policy(Weights(0.5, 0.3, 0.2, satisfaction=0.5), min_caseload=1)
    areas = {**AREAS, "one_fan": ("One fan", m(20, 18))}
    verdicts = {**VERDICTS, "one_fan": said([5])}
    ranked = {r.code: r.score for r in rank(areas, policy, verdicts)}
    assert ranked["praised"] > ranked["one_fan"] > ranked["quiet"]  # type: ignore[operator]


def test_a_district_without_any_verdict_keeps_its_scores() -> None:
    weighed = Policy(Weights(0.5, 0.3, 0.2, satisfaction=0.3, not_reopened=0.3), min_caseload=1)
    areas = {"a": ("A", m(10, 9)), "b": ("B", m(10, 3))}
    assert rank(areas, weighed, {}) == rank(areas, Policy(min_caseload=1))


def test_the_weights_are_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MONITORING_DATABASE_URL", "postgresql://localhost/unused")
    assert not MonitoringSettings().policy().weights.weighs_verdicts
    monkeypatch.setenv("MONITORING_WEIGHT_SATISFACTION", "0.25")
    monkeypatch.setenv("MONITORING_WEIGHT_NOT_REOPENED", "0.1")
    weights = MonitoringSettings().policy().weights
    assert (weights.satisfaction, weights.not_reopened) == (0.25, 0.1)
    assert weights.weighs_verdicts


def test_the_guide_explains_the_verdicts_and_whether_they_count() -> None:
    unweighed = guide_page("id", Policy(), {"lang": "id"})
    assert "Penilaian warga dan pengaduan yang dibuka kembali" in unweighed
    assert "tidak ikut dalam skor" in unweighed and "kepuasan = (nilai − 1) ÷ 4" in unweighed
    assert "50% pengaduan yang sudah selesai" in unweighed
    weighed = Policy(Weights(0.4, 0.2, 0.2, satisfaction=0.1, not_reopened=0.1), prior_strength=5)
    english = guide_page("en", weighed, {"lang": "en"})
    assert "Residents&#x27; verdicts" in english or "Residents' verdicts" in english
    assert "both count in the score: 10% residents' satisfaction and 10% closed" in english
    assert "40% complaints closed" in english and "as if there were 5 more answers" in english
