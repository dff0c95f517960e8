"""Fixed one-minute windows per operator token."""

from __future__ import annotations

from datetime import UTC, datetime

from intake.domain.rate_limit import RateLimit


def test_requests_up_to_the_limit_pass_and_the_next_one_waits() -> None:
    limit = RateLimit(per_minute=3)
    assert [limit.allows(n) for n in (1, 2, 3, 4)] == [True, True, True, False]


def test_a_zero_limit_counts_nothing() -> None:
    limit = RateLimit(per_minute=0)
    assert not limit.enabled and limit.allows(10_000)


def test_the_wait_is_until_the_next_minute_rounded_up() -> None:
    limit = RateLimit(per_minute=3)
    now = datetime(2026, 6, 1, 9, 15, 42, 300_000, tzinfo=UTC)
    assert limit.window(now) == datetime(2026, 6, 1, 9, 15, tzinfo=UTC)
    assert limit.retry_after(now) == 18
    assert limit.retry_after(datetime(2026, 6, 1, 9, 15, 59, 999_999, tzinfo=UTC)) == 1
