"""The rules of reopening a closed complaint and of the resident's verdict, without I/O."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from intake.domain.after_closing import (
    Closure,
    reopen_deadline,
    reopen_input_refusal,
    reopen_refusal,
    verdict_input_refusal,
    verdict_refusal,
)
from intake.domain.tracking import TimelineEntry, expected_at, status

CLOSED_AT = datetime(2026, 11, 2, 3, 0, tzinfo=UTC)
UNTIL = datetime(2026, 11, 16, 16, 59, 59, tzinfo=UTC)  # 23:59:59 in Jakarta
CLOSED = Closure("closed", CLOSED_AT, UNTIL, 0, ["partially_resolved", "resolved"])


def test_a_closed_complaint_may_be_reopened_until_the_last_second_of_its_window() -> None:
    assert reopen_refusal(CLOSED, "unresolved", UNTIL, 14) is None
    assert reopen_refusal(CLOSED, "unresolved", UNTIL + timedelta(seconds=1), 14) == (
        "reopen_window_passed"
    )


def test_a_closing_without_reopen_until_counts_intakes_own_days() -> None:
    old = replace(CLOSED, reopen_until=None)
    assert reopen_deadline(old, 14) == CLOSED_AT + timedelta(days=14)
    assert reopen_refusal(old, "all", CLOSED_AT + timedelta(days=14), 14) is None
    assert reopen_refusal(old, "all", CLOSED_AT + timedelta(days=15), 14) == (
        "reopen_window_passed"
    )


def test_the_scope_must_hold_a_need_not_resolved_unless_it_is_all() -> None:
    done = replace(CLOSED, outcomes=["resolved", "resolved"])
    assert reopen_refusal(done, "unresolved", CLOSED_AT, 14) == "nothing_to_reopen"
    assert reopen_refusal(done, "all", CLOSED_AT, 14) is None
    hopeless = replace(CLOSED, outcomes=["unresolvable", "resolved"])
    assert reopen_refusal(hopeless, "unresolved", CLOSED_AT, 14) is None
    # Outcomes not known (closed before intake kept them): referral decides.
    assert reopen_refusal(replace(CLOSED, outcomes=None), "unresolved", CLOSED_AT, 14) is None


def test_an_open_complaint_is_refused_as_never_closed_or_as_reopened_already() -> None:
    never = Closure("in_progress", None, None, 0, None)
    assert reopen_refusal(never, "unresolved", CLOSED_AT, 14) == "complaint_not_closed"
    reopened = Closure("referred", None, None, 1, ["partially_resolved"])
    assert reopen_refusal(reopened, "unresolved", CLOSED_AT, 14) == "already_reopened"
    assert verdict_refusal(reopened) == verdict_refusal(never) == "complaint_not_closed"
    assert verdict_refusal(CLOSED) is None


@pytest.mark.parametrize(
    ("reason", "scope", "note", "refusal"),
    [
        ("belum_selesai", "unresolved", None, None),
        ("lainnya", "all", "x" * 500, None),
        ("bosan", "unresolved", None, "unknown_reopen_reason"),
        ("belum_selesai", "some", None, "unknown_reopen_scope"),
        ("belum_selesai", "all", "x" * 501, "note_too_long"),
    ],
)
def test_a_reopening_request_is_checked_before_the_complaint(
    reason: str, scope: str, note: str | None, refusal: str | None
) -> None:
    assert reopen_input_refusal(reason, scope, note) == refusal


@pytest.mark.parametrize(
    ("solved", "rating", "comment", "refusal"),
    [
        ("yes", 5, None, None),
        ("partly", 1, "x" * 500, None),
        ("no", 3, None, None),
        ("maybe", 3, None, "unknown_solved"),
        ("yes", 0, None, "rating_out_of_range"),
        ("yes", 6, None, "rating_out_of_range"),
        ("yes", 4, "x" * 501, "comment_too_long"),
    ],
)
def test_a_verdict_is_checked_before_the_complaint(
    solved: str, rating: int, comment: str | None, refusal: str | None
) -> None:
    assert verdict_input_refusal(solved, rating, comment) == refusal


def test_a_reopened_complaint_is_referred_again_and_expects_its_new_due_date() -> None:
    at = CLOSED_AT
    first_due, second_due = at + timedelta(days=5), at + timedelta(days=20)
    entries = [
        TimelineEntry(at, "received"),
        TimelineEntry(at + timedelta(hours=1), "referred", "DINSOS", due_at=first_due),
        TimelineEntry(at + timedelta(hours=2), "resolved", "DINSOS", "partially_resolved"),
        TimelineEntry(at + timedelta(hours=2), "closed"),
    ]
    assert status(entries) == "closed" and expected_at(entries) is None
    reopened = [*entries, TimelineEntry(at + timedelta(days=3), "reopened", reason_code="lainnya")]
    assert status(reopened) == "referred"
    assert expected_at(reopened) is None  # nothing dispatched again yet
    again = [
        *reopened,
        TimelineEntry(at + timedelta(days=3, hours=1), "referred", due_at=second_due),
    ]
    assert (status(again), expected_at(again)) == ("referred", second_due)
    closed_again = [*again, TimelineEntry(at + timedelta(days=9), "closed")]
    assert status(closed_again) == "closed"
