import pytest

from referral.domain.referrals import ReferralState, case_complete, transition


@pytest.mark.parametrize(
    ("current", "requested", "accepted"),
    [
        ("dispatched", "acknowledged", True),
        ("dispatched", "in_progress", True),
        ("dispatched", "rejected", True),
        ("dispatched", "resolved", True),
        ("acknowledged", "in_progress", True),
        ("acknowledged", "rejected", True),
        ("in_progress", "in_progress", True),
        ("in_progress", "resolved", True),
        ("acknowledged", "acknowledged", False),
        ("acknowledged", "dispatched", False),
        ("in_progress", "acknowledged", False),
        ("resolved", "acknowledged", False),
        ("resolved", "resolved", False),
        ("rejected", "resolved", False),
        ("rejected", "in_progress", False),
        ("dispatched", "teleported", False),
    ],
)
def test_transitions_are_decided_without_raising(
    current: str, requested: str, accepted: bool
) -> None:
    decision = transition(current, requested)
    assert decision.accepted is accepted
    assert bool(decision.reason) is not accepted


def state(service: str, attempt: int, status: str, outcome: str | None = None) -> ReferralState:
    return ReferralState(service, attempt, status, outcome)


def test_a_case_closes_when_every_need_has_an_outcome_whatever_it_is() -> None:
    assert case_complete(
        [
            state("JKN-PBI", 1, "resolved", "resolved"),
            state("ADMINDUK", 1, "resolved", "unresolvable"),
        ]
    )
    assert not case_complete(
        [state("JKN-PBI", 1, "resolved", "resolved"), state("ADMINDUK", 1, "acknowledged")]
    )


def test_a_rejected_attempt_is_superseded_by_the_next() -> None:
    assert not case_complete([state("JKN-PBI", 1, "rejected"), state("JKN-PBI", 2, "dispatched")])
    assert case_complete(
        [state("JKN-PBI", 1, "rejected"), state("JKN-PBI", 2, "resolved", "partially_resolved")]
    )


def test_a_case_without_referrals_is_not_complete() -> None:
    assert not case_complete([])
