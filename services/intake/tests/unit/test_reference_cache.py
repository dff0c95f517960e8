"""The in-memory copies of callers and the catalogue: kept for their TTL while changes are heard."""

from __future__ import annotations

import asyncpg

from intake.adapters.cache import ReferenceCache
from intake.domain.access import Caller
from intake.domain.complaints import Catalogue

OPERATOR = Caller("h1", "operator", "32.15.02.2001", "32.15")
CATALOGUE = Catalogue(frozenset({"32.15.02.2001"}), frozenset({"JKN-PBI"}))


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class Operators:
    """What Postgres holds, counting the reads."""

    def __init__(self) -> None:
        self.active: dict[str, Caller] = {"h1": OPERATOR}
        self.reads = 0

    async def load(self, token_hash: str) -> Caller | None:
        self.reads += 1
        return self.active.get(token_hash)


def _no_pool() -> asyncpg.Pool:
    raise AssertionError("these tests hear changes by hand: nothing listens on Postgres")


def listening_cache(clock: Clock, ttl: float = 5) -> ReferenceCache:
    cache = ReferenceCache(_no_pool, "intake", ttl, clock)
    cache.hearing(True)
    return cache


async def test_a_caller_is_read_once_within_the_ttl_and_again_after_it() -> None:
    clock, db = Clock(), Operators()
    cache = listening_cache(clock)
    assert await cache.caller("h1", db.load) == OPERATOR
    clock.now += 4.9
    assert await cache.caller("h1", db.load) == OPERATOR
    assert db.reads == 1
    del db.active["h1"]  # revoked, and the notification lost
    clock.now += 0.2
    assert await cache.caller("h1", db.load) is None
    assert db.reads == 2


async def test_a_change_to_the_operators_drops_the_callers_not_the_catalogue() -> None:
    clock, db = Clock(), Operators()
    cache = listening_cache(clock)
    catalogue_reads = []

    async def catalogue() -> Catalogue:
        catalogue_reads.append(1)
        return CATALOGUE

    await cache.caller("h1", db.load)
    await cache.catalogue(catalogue)
    del db.active["h1"]
    cache.forget("operators")
    assert await cache.caller("h1", db.load) is None
    assert await cache.catalogue(catalogue) == CATALOGUE
    assert len(catalogue_reads) == 1
    cache.forget("villages")
    await cache.catalogue(catalogue)
    assert len(catalogue_reads) == 2


async def test_a_read_that_began_before_a_change_is_not_kept() -> None:
    clock = Clock()
    cache = listening_cache(clock)
    reads = []

    async def load_then_revoked(token_hash: str) -> Caller | None:
        reads.append(token_hash)
        # The revocation commits and is announced while this read is on its way back.
        cache.forget("operators")
        return OPERATOR

    assert await cache.caller("h1", load_then_revoked) == OPERATOR
    await cache.caller("h1", load_then_revoked)
    assert len(reads) == 2


async def test_nothing_is_kept_while_changes_are_not_heard() -> None:
    clock, db = Clock(), Operators()
    cache = ReferenceCache(_no_pool, "intake", 5, clock)
    await cache.caller("h1", db.load)
    await cache.caller("h1", db.load)
    assert db.reads == 2
    cache.hearing(True)
    await cache.caller("h1", db.load)
    cache.hearing(False)  # the listening connection is lost: what was kept goes with it
    await cache.caller("h1", db.load)
    assert db.reads == 4


async def test_an_unknown_token_is_not_kept() -> None:
    clock, db = Clock(), Operators()
    cache = listening_cache(clock)
    assert await cache.caller("nobody", db.load) is None
    db.active["nobody"] = OPERATOR  # issued a moment later
    assert await cache.caller("nobody", db.load) == OPERATOR
