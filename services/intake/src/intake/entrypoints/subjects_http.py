"""A resident's access and erasure requests, answered by district staff.

The NIK travels in a POST body, never in a path or query: those reach access logs.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Depends, Request

from intake.domain.access import Caller
from intake.domain.rate_limit import RateLimit
from intake.domain.subjects import SubjectRequestError
from intake.entrypoints import auth
from intake.entrypoints.errors import subject_refusal as refusal
from intake.entrypoints.schemas import SubjectErasedOut, SubjectExportOut, SubjectIn
from intake.service_layer.erasure import (
    EraseSubject,
    ExportSubject,
    erase_subject,
    export_subject,
    staff_requester,
)
from intake.service_layer.unit_of_work import UnitOfWorkFactory


def _earlier(requests: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {"action": r["action"], "at": r["at"].isoformat(), "requested_by": r["requested_by"]}
        for r in requests
    ]


def router(uow: UnitOfWorkFactory, limit: RateLimit, key: str) -> APIRouter:
    """Build the routes of access and erasure requests (`key`: the NIK hash's secret)."""
    api = APIRouter(tags=["residents' rights"])
    staff = Depends(auth.district_staff(uow, limit))

    @api.post(
        "/v1/subjects/export",
        response_model=SubjectExportOut,
        summary="Everything intake holds about a NIK (a resident's access request); logged.",
    )
    async def export(body: SubjectIn, request: Request, caller: Caller = staff) -> SubjectExportOut:
        try:
            who = await staff_requester(caller, uow())
            found = await export_subject(
                ExportSubject(body.nik, who, key, datetime.now(UTC)), uow()
            )
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
            who = await staff_requester(caller, uow())
            erased = await erase_subject(EraseSubject(body.nik, body.reason, who, key, now), uow())
        except SubjectRequestError as exc:
            raise refusal(exc.code) from exc
        return SubjectErasedOut(erased_complaint_ids=erased, erased_at=now)

    return api
