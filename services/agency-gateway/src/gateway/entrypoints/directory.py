"""Public directory of agencies and services (Open Referral HSDS 3.0), and the admin's audit."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from gateway.adapters.repository import UnitOfWorkFactory
from gateway.entrypoints.auth import admin_dependency
from gateway.entrypoints.schemas import AuditOut
from gateway.service_layer.directory import ReadDirectory, read_directory
from slrt_shared.months import month_bounds


def router(uow: UnitOfWorkFactory, admin_token: str | None) -> APIRouter:
    """Build the directory and audit routes."""
    api = APIRouter()

    @api.get(
        "/v1/directory",
        tags=["directory"],
        summary="Agencies and the services they handle, as Open Referral HSDS 3.0 JSON.",
    )
    async def get_directory() -> dict[str, Any]:
        async with uow() as unit:
            return await read_directory(ReadDirectory(), unit)

    @api.get(
        "/v1/audit",
        response_model=list[AuditOut],
        tags=["audit"],
        summary="Reads of personal data, newest first (admin only). Kept for good.",
        dependencies=[Depends(admin_dependency(admin_token))],
    )
    async def audit(
        agency: Annotated[str | None, Query(max_length=32)] = None,
        referral_id: uuid.UUID | None = None,
        account: Annotated[
            uuid.UUID | None, Query(description="Only the reads of this staff account.")
        ] = None,
        month: Annotated[
            str | None,
            Query(
                pattern=r"^\d{4}-(0[1-9]|1[0-2])$",
                description="Only this month (YYYY-MM, UTC).",
                examples=["2026-11"],
            ),
        ] = None,
        before: Annotated[
            int | None, Query(ge=1, description="Next page: the smallest id of the last one.")
        ] = None,
        limit: Annotated[int, Query(ge=1, le=1000)] = 200,
    ) -> list[AuditOut]:
        since, until = month_bounds(month) if month else (None, None)
        async with uow() as unit:
            rows = await unit.audit_entries(
                agency_code=agency,
                referral_id=referral_id,
                account_id=account,
                since=since,
                until=until,
                before_id=before,
                limit=limit,
            )
        return [AuditOut(**r) for r in rows]

    return api
