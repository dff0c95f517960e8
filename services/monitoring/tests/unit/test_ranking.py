import pytest

from monitoring.domain.measures import Measures
from monitoring.domain.ranking import Policy, Weights, rank, raw_score


def m(received: int, closed: int, sla: float | None = 1.0, prompt: float = 1.0) -> Measures:
    return Measures(
        received,
        prompt if received else None,
        closed,
        closed / received if received else None,
        sla,
        None,
        None,
        0,
        received - closed,
        None,
        0,
    )


def test_the_score_weighs_the_three_shares() -> None:
    weights = Weights(0.5, 0.3, 0.2)
    assert raw_score(m(10, 10), weights, (0, 0, 0)) == pytest.approx(100.0)
    assert raw_score(m(10, 5, sla=0.5, prompt=0.5), weights, (0, 0, 0)) == pytest.approx(50.0)
    # A share that cannot be computed counts at the district's mean.
    assert raw_score(m(10, 10, sla=None), weights, (0, 0.5, 0)) == pytest.approx(85.0)


def test_two_perfect_cases_do_not_beat_forty_good_ones() -> None:
    areas = {
        "tiny": ("Tiny", m(2, 2)),
        "busy": ("Busy", m(40, 36, sla=0.9, prompt=0.95)),
        "poor": ("Poor", m(30, 9, sla=0.3, prompt=0.6)),
    }
    ranked = rank(areas, Policy(min_caseload=1, prior_strength=5))
    assert [r.code for r in ranked] == ["busy", "tiny", "poor"]


def test_small_caseloads_wait_idle_areas_are_not_active_and_poor_ones_are_flagged() -> None:
    areas = {
        "a": ("Alpha", m(10, 9)),
        "b": ("Beta", m(12, 2, sla=0.1, prompt=0.5)),
        "c": ("Gamma", m(2, 2)),
        "d": ("Delta", m(0, 0, sla=None)),
    }
    ranked = rank(areas, Policy(min_caseload=5, flag_below=50))
    assert [(r.code, r.rank, r.status, r.flagged) for r in ranked] == [
        ("a", 1, "ranked", False),
        ("b", 2, "ranked", True),
        ("c", None, "too_few_cases", False),
        ("d", None, "not_active", False),
    ]


def test_weights_are_configurable() -> None:
    areas = {"fast": ("Fast", m(10, 5, sla=1.0)), "thorough": ("Thorough", m(10, 10, sla=0.2))}
    by_sla = rank(areas, Policy(Weights(0.1, 0.9, 0.0), min_caseload=1, prior_strength=0))
    by_closing = rank(areas, Policy(Weights(0.9, 0.1, 0.0), min_caseload=1, prior_strength=0))
    assert by_sla[0].code == "fast" and by_closing[0].code == "thorough"
