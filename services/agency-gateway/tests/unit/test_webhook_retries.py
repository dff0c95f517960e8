import random
from datetime import UTC, datetime, timedelta

import pytest

from gateway.domain.webhooks import (
    RetryPolicy,
    Verdict,
    after_attempt,
    answered_ok,
    free_slots,
    keep_trying_to_record,
    parked_gauges,
    verdict_after,
)
from slrt_shared.months import month_bounds

POLICY = RetryPolicy(max_attempts=4, base_seconds=30, cap_seconds=3600)


def test_a_delivered_try_ends_the_delivery_whatever_the_count() -> None:
    assert after_attempt(1, True, POLICY) == Verdict("delivered")
    assert after_attempt(9, True, POLICY) == Verdict("delivered")


def test_a_failed_try_is_retried_later_with_a_wait_that_grows() -> None:
    rng = random.Random(3)
    waits = []
    for attempts in (1, 2, 3):
        verdict = after_attempt(attempts, False, POLICY, rng)
        assert verdict.status == "pending"
        ceiling = 30 * 2 ** (attempts - 1)
        assert timedelta(seconds=ceiling / 2) <= verdict.retry_in <= timedelta(seconds=ceiling)
        waits.append(verdict.retry_in)
    assert waits[0] < waits[2]


def test_the_last_allowed_failure_parks_the_delivery() -> None:
    assert after_attempt(4, False, POLICY) == Verdict("parked")
    # A try lost with its worker still counts, so the count may pass the limit: still parked.
    assert after_attempt(5, False, POLICY) == Verdict("parked")


def test_one_attempt_allowed_means_the_first_failure_parks() -> None:
    assert after_attempt(1, False, RetryPolicy(1, 30)) == Verdict("parked")


def test_a_month_is_read_from_its_first_instant_to_the_next_months() -> None:
    assert month_bounds("2026-11") == (
        datetime(2026, 11, 1, tzinfo=UTC),
        datetime(2026, 12, 1, tzinfo=UTC),
    )
    assert month_bounds("2026-12")[1] == datetime(2027, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize("bad", ["2026-13", "2026-00", "26-11", "2026-1", "2026-11-01", ""])
def test_anything_but_a_yyyy_mm_month_is_refused(bad: str) -> None:
    with pytest.raises(ValueError):
        month_bounds(bad)


@pytest.mark.parametrize(
    ("status_code", "taken"),
    [
        (200, True),
        (204, True),
        (299, True),
        (None, False),
        (199, False),
        (300, False),
        (500, False),
    ],
)
def test_only_a_2xx_answer_counts_as_delivered(status_code: int | None, taken: bool) -> None:
    assert answered_ok(status_code) is taken
    expected = "delivered" if taken else "pending"
    assert verdict_after(1, status_code, POLICY, random.Random(1)).status == expected


def test_no_answer_on_the_last_try_parks_the_delivery() -> None:
    assert verdict_after(4, None, POLICY) == Verdict("parked")
    assert verdict_after(4, 503, POLICY) == Verdict("parked")
    assert verdict_after(4, 200, POLICY) == Verdict("delivered")


def test_a_worker_claims_only_up_to_its_free_slots() -> None:
    assert free_slots(8, 0) == 8
    assert free_slots(8, 5) == 3
    assert free_slots(8, 8) == 0
    # Lowered while deliveries were under way: nothing more, never a negative claim.
    assert free_slots(2, 5) == 0


def test_an_outcome_is_tried_again_until_the_lease_ends() -> None:
    assert keep_trying_to_record(now=10.0, lease_ends=30.0)
    assert keep_trying_to_record(now=30.0, lease_ends=30.0)
    assert not keep_trying_to_record(now=30.5, lease_ends=30.0)


def test_an_agency_with_nothing_parked_any_more_reads_zero() -> None:
    assert parked_gauges(set(), {"DINSOS": 2}) == {"DINSOS": 2}
    assert parked_gauges({"DINSOS", "BPBD"}, {"DINSOS": 1}) == {"DINSOS": 1, "BPBD": 0}
    assert parked_gauges({"DINSOS"}, {}) == {"DINSOS": 0}
