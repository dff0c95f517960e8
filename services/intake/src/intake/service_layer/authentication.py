"""Who is calling, and whether their token may make one more request this minute."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from intake.domain.access import Caller
from intake.domain.rate_limit import RateLimit
from intake.service_layer.unit_of_work import UnitOfWork
from slrt_shared.tokens import hash_token

# Counts of windows closed longer ago than this are dropped.
KEEP_WINDOWS = timedelta(minutes=10)


class UnauthenticatedError(Exception):
    """No token, or one that no active operator or staff member holds."""


class RateLimitedError(Exception):
    """The token made too many requests this minute; `wait` seconds until the next window."""

    def __init__(self, wait: int) -> None:
        super().__init__(f"retry after {wait} s")
        self.wait = wait


@dataclass(frozen=True)
class Authenticate:
    """A request's bearer token (None when it sent none), under a rate limit."""

    token: str | None
    limit: RateLimit
    now: datetime


async def authenticate(command: Authenticate, uow: UnitOfWork) -> Caller:
    """The operator or staff member holding the token; counts the request against the limit.

    No transaction: the caller comes from memory when it was read a moment ago, and the count
    is one statement, saved at once.
    """
    caller = await uow.caller(hash_token(command.token)) if command.token else None
    if caller is None:
        raise UnauthenticatedError
    limit = command.limit
    if limit.enabled:
        # Counted for good at once, refused requests included: hammering does not help.
        requests = await uow.count_request(caller.token_hash, limit.window(command.now))
        if not limit.allows(requests):
            raise RateLimitedError(limit.retry_after(command.now))
    return caller


async def forget_closed_windows(now: datetime, uow: UnitOfWork) -> None:
    """Drop the request counts of windows that closed a while ago."""
    async with uow:
        await uow.forget_windows_before(now - KEEP_WINDOWS)
        await uow.commit()
