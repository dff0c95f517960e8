"""Which older months stay stored country-wide, and which the archive job builds next."""

from datetime import UTC, datetime, timedelta

from monitoring.domain.archive import StoredMonth, archived_months, next_to_build

NOW = datetime(2026, 12, 2, 6, 0, tzinfo=UTC)
STARTED = NOW - timedelta(hours=2)
WANTED = ["2026-10", "2026-09", "2026-08"]


def built(minutes_ago: float, changes: int = 0, levels: int = 2) -> StoredMonth:
    """A month stored `minutes_ago`, from `changes`."""
    return StoredMonth(levels, NOW - timedelta(minutes=minutes_ago), changes)


def pick(stored: dict[str, StoredMonth], changes: dict[str, int] | None = None) -> str | None:
    """The month to build, with a refresh of an hour and changes settled after five minutes."""
    return next_to_build(
        WANTED,
        stored,
        changes or {},
        levels=2,
        now=NOW,
        started=STARTED,
        refresh_seconds=3600,
        settle_seconds=300,
    )


def test_the_months_kept_before_the_one_just_closed_newest_first() -> None:
    assert archived_months("2026-12", 5) == WANTED
    assert archived_months("2026-01", 4) == ["2025-11", "2025-10"]
    assert archived_months("2026-12", 2) == []


def test_a_month_missing_or_missing_a_level_comes_first_the_newest_first() -> None:
    fresh = {m: built(1) for m in WANTED}
    assert pick({}) == "2026-10"
    assert pick({**fresh, "2026-09": built(1, levels=1)}) == "2026-09"
    assert pick({k: v for k, v in fresh.items() if k != "2026-08"}, {"2026-10": 3}) == "2026-08"


def test_then_a_month_changed_since_a_build_that_has_settled() -> None:
    stored = {"2026-10": built(6, 4), "2026-09": built(50, 2), "2026-08": built(5, 1)}
    assert pick(stored, {"2026-10": 4, "2026-09": 2, "2026-08": 2}) == "2026-08"
    assert pick(stored, {"2026-10": 5, "2026-08": 2}) == "2026-10"
    # Built four minutes ago: its changes wait for the next build.
    assert pick({**stored, "2026-10": built(4, 4)}, {"2026-10": 5, "2026-09": 2}) is None


def test_then_the_oldest_build_past_the_refresh_or_from_before_the_start() -> None:
    assert pick({m: built(1) for m in WANTED}) is None
    assert pick({"2026-10": built(59), "2026-09": built(61), "2026-08": built(90)}) == "2026-08"
    assert pick({"2026-10": built(1), "2026-09": built(121), "2026-08": built(30)}) == "2026-09"
