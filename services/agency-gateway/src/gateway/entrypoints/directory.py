"""Public directory of agencies and services (Open Referral HSDS 3.0), and the admin's audit."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from gateway.adapters.repository import UnitOfWorkFactory
from gateway.entrypoints.auth import admin_dependency
from gateway.entrypoints.schemas import AuditOut
from slrt_shared import reference
from slrt_shared.months import month_bounds

NAMESPACE = uuid.UUID("5f0c3d52-8a4e-4c1b-9a61-2b7c0e4d9a10")


def hsds_id(kind: str, code: str) -> str:
    """A stable HSDS id (UUID) for an agency or service code."""
    return str(uuid.uuid5(NAMESPACE, f"{kind}:{code}"))


def directory() -> dict[str, Any]:
    """Agencies as HSDS organizations, each with the catalogue services it handles."""
    services = reference.services()
    organizations = []
    for agency in reference.agencies().values():
        handled = [s for s in services.values() if agency.code in s.agencies]
        organizations.append(
            {
                "id": hsds_id("organization", agency.code),
                "name": agency.name_id,
                "alternate_name": agency.code,
                "description": agency.name_en,
                "services": [
                    {
                        "id": hsds_id("service", s.code),
                        "organization_id": hsds_id("organization", agency.code),
                        "name": s.name_id,
                        "alternate_name": s.code,
                        "description": s.name_en,
                        "status": "active",
                        "attributes": [
                            {"tag": "sla_working_days", "value": str(s.sla_working_days)},
                            {
                                "tag": "routing_position",
                                "value": str(s.agencies.index(agency.code) + 1),
                            },
                        ],
                    }
                    for s in handled
                ],
            }
        )
    return {"version": "3.0", "organizations": organizations}


def router(uow: UnitOfWorkFactory, admin_token: str | None) -> APIRouter:
    """Build the directory and audit routes."""
    api = APIRouter()

    @api.get(
        "/v1/directory",
        tags=["directory"],
        summary="Agencies and the services they handle, as Open Referral HSDS 3.0 JSON.",
    )
    async def get_directory() -> dict[str, Any]:
        return directory()

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
                since=since,
                until=until,
                before_id=before,
                limit=limit,
            )
        return [AuditOut(**r) for r in rows]

    return api
