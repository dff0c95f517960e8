"""Who calls: FastAPI dependencies, so a caller is known before the body is read.

A request without a valid key is answered 401 whatever its body: a caller without a key
learns nothing of what the body should have been.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Header

from gateway.adapters.agency_keys import AgencyKeys
from gateway.domain.staff import Caller
from gateway.entrypoints.errors import api_error
from slrt_shared.tokens import bearer, hash_token, is_admin

Authorization = Annotated[str | None, Header(description="`Bearer <agency key>`")]
StaffAuthorization = Annotated[
    str | None, Header(description="`Bearer <agency key>` or `Bearer <staff token>`")
]
AdminAuthorization = Annotated[str | None, Header()]


def agency_dependency(keys: AgencyKeys) -> Callable[..., Awaitable[str]]:
    """A dependency answering the agency holding the bearer key; 401 for none or a revoked one."""

    async def agency(authorization: Authorization = None) -> str:
        key = bearer(authorization)
        if key:
            code = await keys.agency_of(hash_token(key))
            if code is not None:
                return code
        raise api_error("unauthenticated")

    return agency


def caller_dependency(
    keys: AgencyKeys, *, acts: bool = False, exports: bool = False
) -> Callable[..., Awaitable[Caller]]:
    """A dependency answering who calls: an agency's system key or a person's staff token.

    401 for none, an unknown or a revoked one; 403 when the person's role may not do what the
    route does (`acts`: an action on a referral; `exports`: the agency's CSV).
    """

    async def caller(authorization: StaffAuthorization = None) -> Caller:
        token = bearer(authorization)
        found = await keys.caller_of(hash_token(token)) if token else None
        if found is None:
            raise api_error("unauthenticated")
        if (acts and not found.may_act) or (exports and not found.may_export):
            raise api_error("role_forbidden")
        return found

    return caller


def admin_dependency(admin_token: str | None) -> Callable[..., Awaitable[None]]:
    """A dependency letting through only the platform admin's token (401 otherwise)."""

    async def admin(authorization: AdminAuthorization = None) -> None:
        if not is_admin(authorization, admin_token):
            raise api_error("admin_required")

    return admin
