"""`POST /v1/admin/subjects/export`: what the gateway holds about a NIK, for the admin.

The NIK travels in the body, never in a path or query (those reach access logs).
"""

from __future__ import annotations

from fastapi import APIRouter, Depends

from gateway.adapters.repository import UnitOfWorkFactory
from gateway.domain.subjects import SubjectRequestError
from gateway.entrypoints.auth import admin_dependency
from gateway.entrypoints.errors import api_error
from gateway.entrypoints.schemas import SubjectExportIn, SubjectExportOut
from gateway.service_layer.subjects import ExportSubject, export_subject
from gateway.settings import GatewaySettings


def router(uow: UnitOfWorkFactory, settings: GatewaySettings) -> APIRouter:
    """Build the export route."""
    api = APIRouter(
        tags=["residents' rights"], dependencies=[Depends(admin_dependency(settings.admin_token))]
    )
    key = settings.subject_hash_key.get_secret_value()

    @api.post(
        "/v1/admin/subjects/export",
        response_model=SubjectExportOut,
        summary="Everything the gateway holds about a NIK (a resident's access request); logged.",
    )
    async def export(body: SubjectExportIn) -> SubjectExportOut:
        try:
            async with uow() as unit:
                held = await export_subject(
                    ExportSubject(body.nik, body.requested_by, "api", key), unit
                )
                await unit.commit()
        except SubjectRequestError as exc:
            raise api_error(exc.code) from exc
        if not held:
            raise api_error("nothing_held")
        return SubjectExportOut(complaints=held)

    return api
