"""The admin's API for the personal accounts of secretariat and kecamatan staff."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Query

from referral.adapters.repository import UnitOfWorkFactory
from referral.domain import errors
from referral.domain.staff import InvalidStaffAccountError
from referral.entrypoints.auth import Authentication
from referral.entrypoints.errors import answer
from referral.entrypoints.schemas import StaffIn, StaffOut
from referral.service_layer import staff

UNAUTHENTICATED: dict[int | str, dict[str, Any]] = {401: {"description": "No admin token."}}


def router(uow: UnitOfWorkFactory, auth: Authentication) -> APIRouter:
    """Build the staff-account routes (admin only)."""
    api = APIRouter(tags=["staff accounts"], dependencies=[Depends(auth.admin)])

    @api.post(
        "/v1/admin/staff",
        response_model=StaffOut,
        status_code=201,
        summary="Issue a person's account; its token is in this answer only.",
        responses={**UNAUTHENTICATED, 422: {"description": "Bad kind, area or name."}},
    )
    async def issue(body: StaffIn) -> StaffOut:
        command = staff.IssueStaffAccount(body.kind, body.area_code, body.name)
        async with uow() as unit:
            try:
                issued = await staff.issue_staff_account(command, unit)
            except InvalidStaffAccountError as exc:
                raise answer(errors.ACCOUNT_ERRORS[exc.code]) from exc
            await unit.commit()
        return StaffOut(**issued.account, token=issued.token)

    @api.get(
        "/v1/admin/staff",
        response_model=list[StaffOut],
        response_model_exclude_none=True,
        summary="The personal accounts, oldest first (no token is ever shown again).",
        responses=UNAUTHENTICATED,
    )
    async def list_accounts(
        area: Annotated[str | None, Query(max_length=20)] = None,
    ) -> list[StaffOut]:
        async with uow() as unit:
            rows = await staff.list_staff_accounts(staff.ListStaffAccounts(area), unit)
        return [StaffOut(**r) for r in rows]

    @api.delete(
        "/v1/admin/staff/{account_id}",
        response_model=StaffOut,
        response_model_exclude_none=True,
        summary="Revoke an account: its token is refused from the next request on.",
        responses={**UNAUTHENTICATED, 404: {"description": "No active account with this id."}},
    )
    async def revoke(account_id: UUID) -> StaffOut:
        async with uow() as unit:
            row = await staff.revoke_staff_account(staff.RevokeStaffAccount(account_id), unit)
            if row is None:
                raise answer(errors.NO_STAFF_ACCOUNT)
            await unit.commit()
        return StaffOut(**row)

    return api
