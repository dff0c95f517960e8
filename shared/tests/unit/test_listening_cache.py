import asyncpg

from slrt_shared.listening_cache import Expiring, ListeningCache


class Kept(ListeningCache):
    def __init__(self) -> None:
        super().__init__(_no_pool, "channel", "thing")
        self.dropped: list[str | None] = []

    def drop(self, changed: str | None) -> None:
        self.dropped.append(changed)


def _no_pool() -> asyncpg.Pool:
    raise AssertionError("nothing listens on Postgres here")


def test_nothing_is_kept_until_changes_are_heard_nor_after_they_no_longer_are() -> None:
    cache = Kept()
    assert not cache.keeps(cache.generation)
    cache.hearing(True)
    assert cache.keeps(cache.generation)
    cache.hearing(False)
    assert not cache.keeps(cache.generation) and cache.dropped == [None, None]


def test_what_was_read_before_an_announcement_is_not_kept() -> None:
    cache = Kept()
    cache.hearing(True)
    before = cache.generation
    cache._on_change(None, 1, "channel", "operators")
    assert not cache.keeps(before) and cache.keeps(cache.generation)
    cache._on_change(None, 1, "channel", "")
    assert cache.dropped[-2:] == ["operators", None]


def test_a_copy_lives_its_ttl_and_the_oldest_goes_first_past_the_limit() -> None:
    now = [0.0]
    copies: Expiring[str, int] = Expiring(5, lambda: now[0], limit=2)
    copies.put("a", 1)
    copies.put("b", 2)
    copies.put("c", 3)
    assert (copies.get("a"), copies.get("b"), copies.get("c")) == (None, 2, 3)
    now[0] = 5.0
    assert copies.get("b") is None


def test_nothing_is_kept_with_a_ttl_of_zero() -> None:
    copies: Expiring[str, int] = Expiring(0)
    copies.put("a", 1)
    assert copies.get("a") is None
