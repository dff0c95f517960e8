"""A resident's access and erasure requests, answered by district staff.

The NIK travels in a POST body, never in a path or query: those reach access logs.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Request

from intake.adapters.repository import Caller, IntakeUnitOfWork
from intake.domain.subjects import MESSAGES, SubjectRequestError
from intake.entrypoints.http import authenticate, rate_limit
from intake.entrypoints.schemas import SubjectErasedOut, SubjectExportOut, SubjectIn
from intake.service_layer.erasure import Requester, erase_subject, export_subject
from intake.settings import IntakeSettings
from slrt_shared.http import ApiError
from slrt_shared.runtime import ServiceRuntime

STATUS = {
    "invalid_nik": 422,
    "reason_required": 422,
    "reason_too_long": 422,
    "reason_contains_nik": 422,
    "requester_required": 422,
    "nothing_held": 404,
    "district_staff_only": 403,
    "subject_key_missing": 503,
}


def refusal(code: str, details: Any | None = None) -> ApiError:
    """The coded error of a request about a resident that cannot be answered."""
    id_, en = MESSAGES[code]
    return ApiError(STATUS[code], code, en, details, message_id=id_)


def _earlier(requests: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {"action": r["action"], "at": r["at"].isoformat(), "requested_by": r["requested_by"]}
        for r in requests
    ]


def router(runtime: ServiceRuntime, settings: IntakeSettings) -> APIRouter:
    """Build the routes of access and erasure requests."""
    api = APIRouter(tags=["residents' rights"])
    key = settings.subject_hash_key.get_secret_value()

    async def district_staff(authorization: Annotated[str | None, Header()] = None) -> Caller:
        async with IntakeUnitOfWork(runtime.pool, runtime.layout) as unit:
            caller = await authenticate(unit, authorization, rate_limit(runtime))
        if caller.kind != "district":
            raise refusal("district_staff_only")
        return caller

    staff = Depends(district_staff)

    async def requester(unit: IntakeUnitOfWork, caller: Caller) -> Requester:
        return Requester(await unit.requester(caller.token_hash), "api", caller.regency_code)

    @api.post(
        "/v1/subjects/export",
        response_model=SubjectExportOut,
        summary="Everything intake holds about a NIK (a resident's access request); logged.",
    )
    async def export(body: SubjectIn, request: Request, caller: Caller = staff) -> SubjectExportOut:
        try:
            async with IntakeUnitOfWork(runtime.pool, runtime.layout) as unit:
                found = await export_subject(
                    unit, body.nik, await requester(unit, caller), key, datetime.now(UTC)
                )
                await unit.commit()
        except SubjectRequestError as exc:
            raise refusal(exc.code) from exc
        if not found.complaints:
            # Said as an error, with the erasures recorded before: "was it erased, when, by whom".
            raise refusal("nothing_held", {"earlier_requests": _earlier(found.requests)})
        return SubjectExportOut(
            complaints=[
                {
                    **c,
                    "resident": {k: c[k] for k in ("nik", "name", "phone", "address")},
                }
                for c in found.complaints
            ],
            earlier_requests=found.requests,
        )

    @api.post(
        "/v1/subjects/erase",
        response_model=SubjectErasedOut,
        summary="Erase a NIK's personal data from every complaint on request (reason needed).",
    )
    async def erase(body: SubjectIn, request: Request, caller: Caller = staff) -> SubjectErasedOut:
        now = datetime.now(UTC)
        try:
            async with IntakeUnitOfWork(runtime.pool, runtime.layout) as unit:
                erased = await erase_subject(
                    unit, body.nik, body.reason, await requester(unit, caller), key, now
                )
                await unit.commit()
        except SubjectRequestError as exc:
            raise refusal(exc.code) from exc
        return SubjectErasedOut(erased_complaint_ids=erased, erased_at=now)

    return api
