from datetime import UTC, datetime, timedelta

from monitoring.domain.measures import ComplaintFact, ReferralFact, rank, report, score

T0 = datetime(2025, 6, 2, tzinfo=UTC)


def complaints(n: int, closed: int) -> list[ComplaintFact]:
    return [
        ComplaintFact("v", T0, T0 + timedelta(days=2) if i < closed else None) for i in range(n)
    ]


def referrals(on_time: int, late: int, open_: int = 0, escalations: int = 0) -> list[ReferralFact]:
    due = T0 + timedelta(days=5)
    return (
        [ReferralFact(due, T0 + timedelta(days=1), 0) for _ in range(on_time)]
        + [ReferralFact(due, T0 + timedelta(days=9), 1) for _ in range(late)]
        + [ReferralFact(due, None, escalations) for _ in range(open_)]
    )


def test_a_report_card_counts_what_happened() -> None:
    card = report(complaints(4, closed=3), referrals(on_time=3, late=1, open_=1, escalations=2))
    assert (card.received, card.closed, card.open_backlog) == (4, 3, 1)
    assert card.closed_share == 0.75
    assert (card.referrals, card.resolved_on_time) == (5, 3)
    assert card.sla_compliance == 0.75
    assert card.escalations == 1 + 2


def test_an_idle_village_has_no_rates() -> None:
    card = report([], [])
    assert card.received == 0 and card.closed_share is None and card.sla_compliance is None


def test_score_weighs_closing_and_timeliness() -> None:
    assert score(report(complaints(10, 10), referrals(10, 0))) == 100.0
    assert score(report(complaints(10, 5), referrals(5, 5))) == 50.0
    assert score(report(complaints(10, 0), [])) == 0.0


def test_small_caseloads_are_not_ranked_and_idle_villages_are_not_active() -> None:
    reports = {
        "a": ("Alpha", report(complaints(10, 9), referrals(9, 0))),
        "b": ("Beta", report(complaints(12, 6), referrals(4, 2))),
        "c": ("Gamma", report(complaints(2, 2), referrals(2, 0))),
        "d": ("Delta", report([], [])),
    }
    ranked = rank(reports, min_caseload=5)
    assert [(r.code, r.rank, r.status) for r in ranked] == [
        ("a", 1, "ranked"),
        ("b", 2, "ranked"),
        ("c", None, "too_few_cases"),
        ("d", None, "not_active"),
    ]
