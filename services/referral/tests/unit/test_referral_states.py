from dataclasses import replace
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from referral.domain.referrals import (
    Case,
    Referral,
    case_complete,
    closing,
    decide,
    reopenable,
    to_reopen,
    transition,
)
from slrt_shared.contracts.referral_states import Status

T = datetime(2025, 6, 23, 3, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("current", "requested"),
    [
        ("dispatched", "acknowledged"),
        ("dispatched", "in_progress"),
        ("dispatched", "rejected"),
        ("dispatched", "resolved"),
        ("acknowledged", "in_progress"),
        ("acknowledged", "rejected"),
        ("acknowledged", "resolved"),
        ("in_progress", "in_progress"),  # a further progress note
        ("in_progress", "rejected"),
        ("in_progress", "resolved"),
    ],
)
def test_forward_moves_and_rejections_of_an_open_referral_are_accepted(
    current: Status, requested: str
) -> None:
    decision = transition(current, requested)
    assert (decision.accepted, decision.reason) == (True, "")
    assert (decision.from_status, decision.to_status) == (current, requested)


@pytest.mark.parametrize(
    ("current", "requested", "reason"),
    [
        ("dispatched", "dispatched", "already dispatched"),
        ("acknowledged", "acknowledged", "already acknowledged"),
        ("acknowledged", "dispatched", "cannot go from acknowledged to dispatched"),
        ("in_progress", "acknowledged", "cannot go from in_progress to acknowledged"),
        ("in_progress", "dispatched", "cannot go from in_progress to dispatched"),
        ("resolved", "resolved", "referral is resolved; no further change"),
        ("resolved", "acknowledged", "referral is resolved; no further change"),
        ("resolved", "rejected", "referral is resolved; no further change"),
        ("rejected", "resolved", "referral is rejected; no further change"),
        ("rejected", "in_progress", "referral is rejected; no further change"),
        ("rejected", "rejected", "referral is rejected; no further change"),
        ("dispatched", "teleported", "unknown status 'teleported'"),
        ("in_progress", "", "unknown status ''"),
    ],
)
def test_every_other_move_is_refused_with_a_reason_and_never_raises(
    current: Status, requested: str, reason: str
) -> None:
    decision = transition(current, requested)
    assert (decision.accepted, decision.reason) == (False, reason)
    assert transition(current, requested) == decision  # deterministic


def referral(
    service: str = "JKN-PBI",
    attempt: int = 1,
    status: Status = "dispatched",
    agency: str = "DINSOS",
    **changes: object,
) -> Referral:
    r = Referral(
        id=uuid4(),
        complaint_id=COMPLAINT,
        service_code=service,
        agency_code=agency,
        attempt=attempt,
        status=status,
        rule_version=1,
        rule_scope="",
        sla_working_days=5,
        dispatched_at=T,
        due_at=T + timedelta(days=7),
        bounces=attempt - 1,
    )
    return replace(r, **changes)  # type: ignore[arg-type]


COMPLAINT = uuid4()
CASE = Case(COMPLAINT, "SLRT-7K3M9Q", "32.15.02.2001", "open", T)


def test_only_the_agency_holding_the_referral_may_change_it() -> None:
    r = referral(agency="DINSOS")
    assert decide(r, "acknowledged", "DINSOS", COMPLAINT).accepted
    refused = decide(r, "acknowledged", "BPJSKES", COMPLAINT)
    assert (refused.accepted, refused.reason) == (
        False,
        "BPJSKES does not hold this referral (DINSOS does)",
    )
    assert not decide(r, "acknowledged", "DINSOS", uuid4()).accepted


def resolved(service: str, outcome: str, at: datetime, attempt: int = 1) -> Referral:
    return referral(
        service, attempt, "resolved", outcome=outcome, resolved_at=at, agency=f"A-{service}"
    )


def test_a_case_closes_when_every_need_has_an_outcome_whatever_it_is() -> None:
    lansia = resolved("LANSIA", "unresolvable", T + timedelta(days=3))
    adminduk = resolved("ADMINDUK", "resolved", T + timedelta(days=1))
    pbi = resolved("JKN-PBI", "partially_resolved", T + timedelta(days=2))
    closed = closing(CASE, [lansia, adminduk, pbi])
    assert closed is not None
    # Closed when the last outcome arrived, not when the last event was processed.
    assert closed.closed_at == T + timedelta(days=3)
    assert [(o.service_code, o.agency_code, o.outcome) for o in closed.outcomes] == [
        ("ADMINDUK", "A-ADMINDUK", "resolved"),
        ("JKN-PBI", "A-JKN-PBI", "partially_resolved"),
        ("LANSIA", "A-LANSIA", "unresolvable"),
    ]


def test_a_case_with_a_need_still_open_does_not_close() -> None:
    pending = [resolved("JKN-PBI", "resolved", T), referral("ADMINDUK", status="in_progress")]
    assert closing(CASE, pending) is None
    assert not case_complete(pending)


def test_a_rejected_attempt_is_superseded_by_the_next() -> None:
    first = referral("JKN-PBI", 1, "rejected")
    second = referral("JKN-PBI", 2, "dispatched", agency="BPJSKES")
    assert not case_complete([first, second])
    assert closing(CASE, [first, second]) is None
    done = resolved("JKN-PBI", "partially_resolved", T, attempt=2)
    closed = closing(CASE, [first, done])
    assert closed is not None
    assert [o.referral_id for o in closed.outcomes] == [done.id]


def test_a_case_closes_once_and_never_without_referrals() -> None:
    assert closing(CASE, []) is None
    assert not case_complete([])
    all_done = [resolved("JKN-PBI", "resolved", T)]
    assert closing(replace(CASE, status="closed", closed_at=T), all_done) is None


def test_a_reopening_sends_back_the_latest_attempt_of_each_need_not_resolved() -> None:
    rejected = referral("JKN-PBI", 1, "rejected")
    partly = resolved("JKN-PBI", "partially_resolved", T, attempt=2)
    done = resolved("ADMINDUK", "resolved", T)
    hopeless = resolved("LANSIA", "unresolvable", T)
    chosen = to_reopen([rejected, partly, done, hopeless], "unresolved")
    assert [r.id for r in chosen] == [partly.id, hopeless.id]
    assert [r.id for r in to_reopen([rejected, partly, done], "all")] == [done.id, partly.id]
    assert to_reopen([done], "unresolved") == []


def test_a_reopening_is_taken_once_and_only_by_a_closed_case() -> None:
    closed = replace(CASE, status="closed", closed_at=T)
    assert reopenable(closed, 1)
    assert not reopenable(CASE, 1)  # open: reopened already, or never closed
    again = replace(closed, reopenings=1)
    assert not reopenable(again, 1)  # the same reopening announced again
    assert reopenable(again, 2)
