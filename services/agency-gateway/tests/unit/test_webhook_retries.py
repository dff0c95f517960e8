import random
from datetime import timedelta

from gateway.domain.webhooks import RetryPolicy, Verdict, after_attempt

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
