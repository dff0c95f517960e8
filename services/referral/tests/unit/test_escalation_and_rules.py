from datetime import UTC, datetime, timedelta

import pytest

from referral.domain.errors import Refusal
from referral.domain.escalation import escalate, next_level
from referral.domain.routing import InvalidRuleError, check_kecamatan, check_rule

T = datetime(2025, 7, 1, tzinfo=UTC)
LATER = T + timedelta(days=7)


def test_the_ladder_goes_kecamatan_then_kabupaten_then_stops() -> None:
    assert [next_level(None), next_level("kecamatan"), next_level("kabupaten")] == [
        "kecamatan",
        "kabupaten",
        None,
    ]


@pytest.mark.parametrize(
    ("level", "status", "breach", "now", "expected"),
    [
        (None, "dispatched", T, T + timedelta(seconds=1), ("kecamatan", LATER)),
        (None, "acknowledged", T, T + timedelta(days=1), ("kecamatan", LATER)),
        ("kecamatan", "in_progress", T, T + timedelta(days=1), ("kabupaten", None)),
        ("kabupaten", "in_progress", T, T + timedelta(days=30), None),
        (None, "dispatched", T, T, None),  # due exactly now: not yet overdue
        (None, "resolved", T, T + timedelta(days=1), None),
        (None, "rejected", T, T + timedelta(days=1), None),
        (None, "dispatched", None, T, None),
    ],
)
def test_escalation_decisions(level, status, breach, now, expected) -> None:  # type: ignore[no-untyped-def]
    decision = escalate(level, status, breach, now, LATER)
    assert (decision.level, decision.next_breach_at) == expected if expected else decision is None


KNOWN = frozenset({"DINSOS", "BPJSKES", "SLRT"})


@pytest.mark.parametrize(
    ("agencies", "sla", "message"),
    [
        ([], 5, "at least one"),
        (["DINSOS", "DINSOS"], 5, "twice"),
        (["DINSOS", "NOPE"], 5, "unknown agencies: NOPE"),
        (["DINSOS"], 0, "between 1 and 90"),
        (["DINSOS"], 91, "between 1 and 90"),
    ],
)
def test_bad_rules_are_refused(agencies: list[str], sla: int, message: str) -> None:
    with pytest.raises(InvalidRuleError, match=message):
        check_rule(agencies, sla, KNOWN)


def test_a_good_rule_passes() -> None:
    check_rule(["BPJSKES", "DINSOS"], 5, KNOWN)


@pytest.mark.parametrize("scope", ["32.15.02", "32.15.03"])
def test_an_override_is_for_a_known_kecamatan(scope: str) -> None:
    check_kecamatan(scope, {"32.15", "32.15.02", "32.15.03", "32.15.02.2001"})


@pytest.mark.parametrize("scope", ["32.15", "32.15.02.2001", "32.15.99", "32.15.2", " 32.15.02"])
def test_an_override_for_no_known_kecamatan_is_refused_in_both_languages(scope: str) -> None:
    with pytest.raises(Refusal) as refused:
        check_kecamatan(scope, {"32.15", "32.15.02", "32.15.02.2001"})
    assert refused.value.code == "unknown_kecamatan"
    assert refused.value.message == f"No kecamatan {scope}."
    assert refused.value.message_id == f"Kecamatan {scope} tidak dikenal."
