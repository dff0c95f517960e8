"""Who is calling, as FastAPI dependencies: resolved before the body is read, so a request
without a valid token is answered 401 whatever its body.

The same credentials hold on every router: district staff tokens and the admin token stored by
`seed`, the personal accounts of secretariat and kecamatan staff the admin issues, and the admin
token of the environment (`SLRT_ADMIN_TOKEN`). Kecamatan staff read their kecamatan's cases only;
the calendar is for staff of the whole regency.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Header

from referral.adapters.repository import UnitOfWorkFactory
from referral.domain import errors
from referral.domain.staff import Staff
from referral.entrypoints.errors import answer
from slrt_shared.tokens import bearer, hash_token, is_admin

ADMIN = Staff("admin")


@dataclass(frozen=True)
class Caller:
    """An authenticated caller: the staff member (or the admin) and the hash of their token."""

    staff: Staff
    token_hash: str | None = None

    @property
    def name(self) -> str:
        """How the audit names the caller: the admin, or district staff and their token."""
        staff = self.staff
        if staff.kind == "admin":
            return "admin"
        if staff.account_id is not None:
            area = staff.kecamatan_code or staff.regency_code
            return f"{staff.kind} {area}: {staff.name} (account {staff.account_id})"
        return f"district {staff.regency_code} (token {(self.token_hash or '')[:8]})"


class Authentication:
    """The dependencies that authenticate a request, bound to a unit-of-work factory."""

    def __init__(self, uow: UnitOfWorkFactory, admin_token: str | None) -> None:
        self._uow = uow
        self._admin_token = admin_token

    async def _caller(self, authorization: str | None) -> Caller | None:
        if is_admin(authorization, self._admin_token):
            return Caller(ADMIN)
        token = bearer(authorization)
        if not token:
            return None
        token_hash = hash_token(token)
        async with self._uow() as uow:
            holder = await uow.staff(token_hash)
        return Caller(holder, token_hash) if holder else None

    async def staff(self, authorization: Annotated[str | None, Header()] = None) -> Caller:
        """Any staff (district, secretariat, kecamatan) or the admin; 401 for anyone else."""
        caller = await self._caller(authorization)
        if caller is None:
            raise answer(errors.STAFF_OR_ADMIN_REQUIRED)
        return caller

    async def regency_staff(self, authorization: Annotated[str | None, Header()] = None) -> Caller:
        """Staff of a whole regency (district, secretariat) or the admin; kecamatan staff 403."""
        caller = await self.staff(authorization)
        if caller.staff.kind == "kecamatan":
            raise answer(errors.REGENCY_STAFF_REQUIRED)
        return caller

    async def admin(self, authorization: Annotated[str | None, Header()] = None) -> Caller:
        """The admin (the stored token or the environment's); 401 for anyone else."""
        caller = await self._caller(authorization)
        if caller is None or caller.staff.kind != "admin":
            raise answer(errors.ADMIN_REQUIRED)
        return caller
