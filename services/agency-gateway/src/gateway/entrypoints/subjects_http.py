"""`POST /v1/admin/subjects/export`: what the gateway holds about a NIK, for the admin.

The NIK travels in the body, never in a path or query (those reach access logs).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header
from pydantic import BaseModel, ConfigDict, Field

from gateway.adapters.repository import GatewayUnitOfWork
from gateway.domain.subjects import MESSAGES, SubjectRequestError
from gateway.service_layer.subjects import export_subject
from gateway.settings import GatewaySettings
from slrt_shared.http import ApiError
from slrt_shared.runtime import ServiceRuntime
from slrt_shared.tokens import is_admin

STATUS = {
    "invalid_nik": 422,
    "requester_required": 422,
    "nothing_held": 404,
    "subject_key_missing": 503,
}


class SubjectExportIn(BaseModel):
    """An access request: the resident's NIK, and who answers it."""

    model_config = ConfigDict(extra="forbid")

    nik: str | None = Field(default=None, examples=["3215024107800001"])
    requested_by: str = Field(
        default="", max_length=200, description="Who answers the request (kept in the log)."
    )


class SubjectExportOut(BaseModel):
    """Every complaint of the NIK the gateway holds data of, with its referrals."""

    complaints: list[dict[str, Any]]


def refusal(code: str) -> ApiError:
    """The coded error of an export that cannot be answered."""
    id_, en = MESSAGES[code]
    return ApiError(STATUS[code], code, en, message_id=id_)


def router(runtime: ServiceRuntime, settings: GatewaySettings) -> APIRouter:
    """Build the export route."""
    api = APIRouter(tags=["residents' rights"])
    key = settings.subject_hash_key.get_secret_value()

    @api.post(
        "/v1/admin/subjects/export",
        response_model=SubjectExportOut,
        summary="Everything the gateway holds about a NIK (a resident's access request); logged.",
    )
    async def export(
        body: SubjectExportIn, authorization: Annotated[str | None, Header()] = None
    ) -> SubjectExportOut:
        if not is_admin(authorization, settings.admin_token):
            raise ApiError(
                401,
                "unauthenticated",
                "The admin token is required.",
                message_id="Token admin diperlukan.",
            )
        try:
            async with GatewayUnitOfWork(runtime.pool, runtime.layout) as uow:
                held = await export_subject(uow, body.nik, body.requested_by, "api", key)
                await uow.commit()
        except SubjectRequestError as exc:
            raise refusal(exc.code) from exc
        if not held:
            raise refusal("nothing_held")
        return SubjectExportOut(complaints=held)

    return api
