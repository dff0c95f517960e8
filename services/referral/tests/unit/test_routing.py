from referral.domain.routing import (
    SECRETARIAT,
    SECRETARIAT_SLA_WORKING_DAYS,
    RoutingRule,
    agency_for,
    secretariat_rule,
)

PIP = RoutingRule("PIP", ("DISDIK", "KEMENAG"), 14, 1)


def test_the_first_attempt_goes_to_the_first_agency_of_the_rule() -> None:
    assert agency_for(PIP) == "DISDIK"


def test_a_rejected_need_goes_down_the_order_then_to_the_secretariat() -> None:
    assert agency_for(PIP, ["DISDIK"]) == "KEMENAG"
    assert agency_for(PIP, ["DISDIK", "KEMENAG"]) == SECRETARIAT


def test_a_need_the_secretariat_rejected_stays_with_the_secretariat() -> None:
    assert agency_for(PIP, ["DISDIK", "KEMENAG", SECRETARIAT]) == SECRETARIAT
    lainnya = RoutingRule("LAINNYA", (SECRETARIAT,), 7, 1)
    assert agency_for(lainnya, [SECRETARIAT, SECRETARIAT]) == SECRETARIAT


def test_a_reordered_rule_does_not_send_the_need_back_to_an_agency_that_refused_it() -> None:
    reordered = RoutingRule("PIP", ("KEMENAG", "DISDIK"), 14, 2)
    assert agency_for(reordered, ["DISDIK"]) == "KEMENAG"
    assert agency_for(reordered, ["KEMENAG"]) == "DISDIK"


def test_a_need_without_a_rule_goes_to_the_secretariat() -> None:
    rule = secretariat_rule("NEW-SERVICE")
    assert (agency_for(rule), rule.sla_working_days, rule.version) == (
        SECRETARIAT,
        SECRETARIAT_SLA_WORKING_DAYS,
        0,
    )


def test_a_case_is_routed_by_the_kecamatan_of_its_village_even_one_the_parser_refuses() -> None:
    # The events' contract admits a `00` segment; such a case keeps its textual kecamatan.
    from datetime import UTC, datetime
    from uuid import uuid4

    from referral.domain.referrals import Case

    def case(village: str) -> Case:
        return Case(uuid4(), "SLRT-AAAA-BBBB", village, "open", datetime(2025, 1, 1, tzinfo=UTC))

    assert case("32.15.02.2001").kecamatan_code == "32.15.02"
    assert case("32.15.00.2001").kecamatan_code == "32.15.00"
