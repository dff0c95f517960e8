"""Referral's HTTP API for district staff: cases and referrals."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Header
from pydantic import BaseModel

from referral.adapters.repository import ReferralUnitOfWork
from slrt_shared.http import ApiError
from slrt_shared.runtime import ServiceRuntime
from slrt_shared.tokens import bearer, hash_token, is_admin


class ReferralOut(BaseModel):
    """A referral as district staff see it."""

    referral_id: UUID
    complaint_id: UUID
    service_code: str
    agency_code: str
    attempt: int
    status: str
    rule_version: int
    rule_scope: str
    bounces: int
    escalation_level: str | None
    escalated_at: datetime | None
    dispatched_at: datetime
    due_at: datetime
    outcome: str | None
    note: str | None
    resolved_at: datetime | None


class CaseOut(BaseModel):
    """A case and all its referrals."""

    complaint_id: UUID
    ticket: str
    village_code: str
    status: str
    opened_at: datetime
    closed_at: datetime | None
    referrals: list[ReferralOut]


def _referral(row: dict[str, Any]) -> ReferralOut:
    return ReferralOut(
        referral_id=row["id"], **{k: row[k] for k in ReferralOut.model_fields if k in row}
    )


def router(runtime: ServiceRuntime) -> APIRouter:
    """Build the routes bound to a runtime."""
    api = APIRouter(tags=["cases"])

    async def staff_regency(unit: ReferralUnitOfWork, authorization: str | None) -> str | None:
        """The regency the caller oversees ('' for the admin); 401 when not staff."""
        if is_admin(authorization, runtime.settings.admin_token):
            return ""
        token = bearer(authorization)
        staff = await unit.staff(hash_token(token)) if token else None
        if staff is None:
            raise ApiError(401, "unauthenticated", "A district staff or admin token is required.")
        return str(staff["regency_code"] or "")

    def visible(regency: str | None, village_code: str) -> bool:
        return regency == "" or village_code.startswith(f"{regency}.")

    @api.get(
        "/v1/cases/{complaint_id}",
        response_model=CaseOut,
        summary="A case with every referral of it.",
    )
    async def get_case(
        complaint_id: UUID, authorization: Annotated[str | None, Header()] = None
    ) -> CaseOut:
        async with ReferralUnitOfWork(runtime.pool, runtime.layout) as unit:
            regency = await staff_regency(unit, authorization)
            case = await unit.case(complaint_id)
            if case is None or not visible(regency, case["village_code"]):
                raise ApiError(404, "not_found", "No such case.")
            referrals = await unit.referrals_of(complaint_id)
        return CaseOut(**case, referrals=[_referral(r) for r in referrals])

    @api.get("/v1/referrals/{referral_id}", response_model=ReferralOut, summary="A referral.")
    async def get_referral(
        referral_id: UUID, authorization: Annotated[str | None, Header()] = None
    ) -> ReferralOut:
        async with ReferralUnitOfWork(runtime.pool, runtime.layout) as unit:
            regency = await staff_regency(unit, authorization)
            row = await unit.referral(referral_id)
            case = await unit.case(row["complaint_id"]) if row else None
            if row is None or case is None or not visible(regency, case["village_code"]):
                raise ApiError(404, "not_found", "No such referral.")
        return _referral(row)

    return api
