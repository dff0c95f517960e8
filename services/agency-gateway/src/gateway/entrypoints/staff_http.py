"""The admin's API for the agency staff's personal accounts: issue, list, revoke."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Query

from gateway.adapters.repository import UnitOfWorkFactory
from gateway.domain.staff import InvalidStaffAccountError
from gateway.entrypoints.auth import admin_dependency
from gateway.entrypoints.errors import api_error
from gateway.entrypoints.schemas import StaffIn, StaffOut
from gateway.service_layer import staff


def router(uow: UnitOfWorkFactory, admin_token: str | None) -> APIRouter:
    """Build the staff-account routes (admin only)."""
    api = APIRouter(tags=["staff accounts"], dependencies=[Depends(admin_dependency(admin_token))])

    @api.post(
        "/v1/admin/staff",
        response_model=StaffOut,
        status_code=201,
        summary="Issue a person's account; its token is in this answer only.",
    )
    async def issue(body: StaffIn) -> StaffOut:
        command = staff.IssueStaffAccount(body.agency_code, body.name, body.role)
        async with uow() as unit:
            try:
                issued = await staff.issue_staff_account(command, unit)
            except InvalidStaffAccountError as exc:
                raise api_error(exc.code, **exc.values) from exc
            await unit.commit()
        return StaffOut(**issued.account, token=issued.token)

    @api.get(
        "/v1/admin/staff",
        response_model=list[StaffOut],
        response_model_exclude_none=True,
        summary="The staff accounts, oldest first (no token is ever shown again).",
    )
    async def list_accounts(
        agency: Annotated[str | None, Query(max_length=32)] = None,
    ) -> list[StaffOut]:
        async with uow() as unit:
            rows = await staff.list_staff_accounts(staff.ListStaffAccounts(agency), unit)
        return [StaffOut(**r) for r in rows]

    @api.delete(
        "/v1/admin/staff/{account_id}",
        response_model=StaffOut,
        response_model_exclude_none=True,
        summary="Revoke an account: its token is refused at once, on every replica.",
        responses={404: {"description": "No active account with this id."}},
    )
    async def revoke(account_id: UUID) -> StaffOut:
        async with uow() as unit:
            row = await staff.revoke_staff_account(staff.RevokeStaffAccount(account_id), unit)
            if row is None:
                raise api_error("no_staff_account")
            await unit.commit()
        return StaffOut(**row)

    return api
