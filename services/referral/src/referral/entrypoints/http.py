"""Referral's HTTP API for district staff and the admin: cases and referrals."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Header
from pydantic import BaseModel, Field

from referral.adapters.repository import ReferralUnitOfWork
from referral.domain.referrals import Referral, current_referrals
from referral.domain.staff import Staff
from slrt_shared.http import ApiError
from slrt_shared.runtime import ServiceRuntime
from slrt_shared.tokens import bearer, hash_token, is_admin

ADMIN = Staff("admin")


class ReferralOut(BaseModel):
    """A referral as district staff see it."""

    referral_id: UUID
    complaint_id: UUID
    service_code: str
    agency_code: str
    attempt: int = Field(description="1 for the first agency, +1 after each rejection.")
    current: bool = Field(description="False once a rejection has passed the need on.")
    status: str = Field(examples=["dispatched", "acknowledged", "in_progress", "resolved"])
    rule_version: int = Field(description="Version of the routing rule that chose the agency.")
    rule_scope: str = Field(description="'' for the district rule, or the kecamatan overriding.")
    bounces: int = Field(description="Rejections this need went through before this referral.")
    escalation_level: str | None
    escalated_at: datetime | None
    dispatched_at: datetime
    due_at: datetime = Field(description="End of the last working day of the SLA.")
    calendar_complete: bool = Field(
        description="False when the SLA was counted over a year whose holiday calendar is not"
        " complete (its SKB 3 Menteri not loaded): due_at may be too early."
    )
    outcome: str | None
    reason_code: str | None = Field(
        default=None,
        description="Why the agency rejected it, as a code (see the referral.updated event).",
        examples=["bukan_kewenangan"],
    )
    note: str | None = Field(
        default=None,
        description="Always null: agencies' notes stay in agency-gateway, with the agency.",
    )
    resolved_at: datetime | None


class TransitionOut(BaseModel):
    """A status change an agency asked for, and whether it was accepted."""

    from_status: str | None
    to_status: str
    accepted: bool
    reason: str
    at: datetime


class ReferralDetailOut(ReferralOut):
    """A referral with every status change asked of it."""

    transitions: list[TransitionOut]


class CaseOut(BaseModel):
    """A case and all its referrals, every attempt of each need."""

    complaint_id: UUID
    ticket: str
    village_code: str
    status: str = Field(examples=["open", "closed"])
    opened_at: datetime
    closed_at: datetime | None
    referrals: list[ReferralOut]


async def authenticate(
    uow: ReferralUnitOfWork, authorization: str | None, admin_token: str | None
) -> Staff:
    """The holder of the caller's token; 401 when it is no staff or admin token."""
    if is_admin(authorization, admin_token):
        return ADMIN
    token = bearer(authorization)
    holder = await uow.staff(hash_token(token)) if token else None
    if holder is None:
        raise ApiError(
            401,
            "unauthenticated",
            "A district staff or admin token is required.",
            message_id="Diperlukan token staf kabupaten atau admin.",
        )
    return holder


def _out(referral: Referral, current: bool) -> ReferralOut:
    fields = asdict(referral)
    return ReferralOut(referral_id=fields.pop("id"), current=current, **fields)


def router(runtime: ServiceRuntime) -> APIRouter:
    """Build the routes bound to a runtime."""
    api = APIRouter(tags=["cases"])
    unauthenticated: dict[int | str, dict[str, Any]] = {
        401: {"description": "No district staff or admin token."}
    }

    async def staff(uow: ReferralUnitOfWork, authorization: str | None) -> Staff:
        return await authenticate(uow, authorization, runtime.settings.admin_token)

    @api.get(
        "/v1/cases/{complaint_id}",
        response_model=CaseOut,
        summary="A case with every referral of it.",
        responses={**unauthenticated, 404: {"description": "No such case in your district."}},
    )
    async def get_case(
        complaint_id: UUID, authorization: Annotated[str | None, Header()] = None
    ) -> CaseOut:
        async with ReferralUnitOfWork(runtime.pool, runtime.layout) as uow:
            holder = await staff(uow, authorization)
            case = await uow.case(complaint_id)
            if case is None or not holder.sees(case.village_code):
                raise ApiError(404, "not_found", "No such case.")
            referrals = await uow.referrals_of(complaint_id)
        current = {r.id for r in current_referrals(referrals).values()}
        return CaseOut(
            complaint_id=case.complaint_id,
            ticket=case.ticket,
            village_code=case.village_code,
            status=case.status,
            opened_at=case.opened_at,
            closed_at=case.closed_at,
            referrals=[_out(r, r.id in current) for r in referrals],
        )

    @api.get(
        "/v1/referrals/{referral_id}",
        response_model=ReferralDetailOut,
        summary="A referral and the status changes asked of it.",
        responses={**unauthenticated, 404: {"description": "No such referral in your district."}},
    )
    async def get_referral(
        referral_id: UUID, authorization: Annotated[str | None, Header()] = None
    ) -> ReferralDetailOut:
        async with ReferralUnitOfWork(runtime.pool, runtime.layout) as uow:
            holder = await staff(uow, authorization)
            referral = await uow.referral(referral_id)
            case = await uow.case(referral.complaint_id) if referral else None
            if referral is None or case is None or not holder.sees(case.village_code):
                raise ApiError(404, "not_found", "No such referral.")
            siblings = await uow.referrals_of(referral.complaint_id)
            transitions = await uow.transitions(referral_id)
        current = current_referrals(siblings)[referral.service_code].id == referral.id
        return ReferralDetailOut(
            **_out(referral, current).model_dump(),
            transitions=[TransitionOut(**t) for t in transitions],
        )

    return api
