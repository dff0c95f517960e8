"""FastAPI dependencies that authenticate a request before its body is read.

A dependency runs before FastAPI validates the body, so a caller without a valid token gets 401
and learns nothing of the schema (never a 422 for the body). This module does not postpone its
annotations: FastAPI reads the dependencies' signatures as written here, closures included.
"""

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Annotated

from fastapi import Header

from intake.domain.access import Caller
from intake.domain.rate_limit import RateLimit
from intake.entrypoints import errors
from intake.service_layer.authentication import (
    Authenticate,
    RateLimitedError,
    UnauthenticatedError,
    authenticate,
)
from intake.service_layer.unit_of_work import UnitOfWorkFactory
from slrt_shared.tokens import bearer

Dependency = Callable[..., Awaitable[Caller]]


async def caller_of(authorization: str | None, uow: UnitOfWorkFactory, limit: RateLimit) -> Caller:
    """The caller holding the bearer token of an Authorization header; 401 or 429 otherwise."""
    try:
        return await authenticate(
            Authenticate(bearer(authorization), limit, datetime.now(UTC)), uow()
        )
    except UnauthenticatedError as exc:
        raise errors.UNAUTHENTICATED from exc
    except RateLimitedError as exc:
        raise errors.rate_limited(exc) from exc


def signed_in(uow: UnitOfWorkFactory, limit: RateLimit) -> Dependency:
    """A dependency answering the operator or district staff member calling."""

    async def dependency(authorization: Annotated[str | None, Header()] = None) -> Caller:
        return await caller_of(authorization, uow, limit)

    return dependency


def district_staff(uow: UnitOfWorkFactory, limit: RateLimit) -> Dependency:
    """A dependency answering the district staff member calling; 403 for an operator."""

    async def dependency(authorization: Annotated[str | None, Header()] = None) -> Caller:
        caller = await caller_of(authorization, uow, limit)
        if caller.kind != "district":
            raise errors.subject_refusal("district_staff_only")
        return caller

    return dependency


async def idempotency_key(
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
) -> str:
    """The request's Idempotency-Key header; 400 without one."""
    if not idempotency_key:
        raise errors.IDEMPOTENCY_KEY_REQUIRED
    return idempotency_key


OptionalDependency = Callable[..., Awaitable[Caller | None]]


def signed_in_if_token(uow: UnitOfWorkFactory, limit: RateLimit) -> OptionalDependency:
    """A dependency answering the caller of a bearer token, or None without an Authorization
    header (the resident then proves who they are with the code in the body)."""

    async def dependency(authorization: Annotated[str | None, Header()] = None) -> Caller | None:
        if authorization is None:
            return None
        return await caller_of(authorization, uow, limit)

    return dependency
