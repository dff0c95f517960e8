"""The agencies' API: their own referrals only, and the actions they take on them."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, Header, Query
from pydantic import BaseModel, ConfigDict, Field

from gateway.adapters.repository import GatewayUnitOfWork
from gateway.domain.disclosure import AgencyView
from gateway.domain.paging import InvalidCursorError
from gateway.domain.referrals import (
    ActionRefusedError,
    AgencyAction,
    EscalationLevel,
    InvalidTransitionError,
    Outcome,
    Status,
)
from gateway.service_layer import views
from gateway.service_layer.actions import (
    ActionResult,
    IdempotencyKeyReusedError,
    ReferralNotFoundError,
    act,
)
from slrt_shared.contracts.reasons import REASON_CODES
from slrt_shared.http import ApiError
from slrt_shared.runtime import ServiceRuntime
from slrt_shared.tokens import bearer, hash_token

Auth = Annotated[str | None, Header(description="`Bearer <agency key>`")]
Key = Annotated[
    str | None,
    Header(max_length=200, description="Required: a repeat with the same key changes nothing."),
]


def not_found() -> ApiError:
    """The answer for a missing referral, and for another agency's: the same, to the byte."""
    return ApiError(404, "not_found", "No such referral.", message_id="Rujukan tidak ditemukan.")


class ResidentOut(BaseModel):
    """The resident's data that the service's pii_level allows; other fields are absent."""

    nik: str | None = Field(default=None, description="Only for sensitive and special services.")
    name: str | None = None
    phone: str | None = None
    address: str | None = None
    description: str | None = Field(default=None, description="Only for special services.")


class ReferralOut(BaseModel):
    """A referral as its agency sees it."""

    referral_id: UUID
    complaint_id: UUID
    ticket: str
    village_code: str
    service_code: str
    attempt: int
    status: Status
    dispatched_at: datetime
    due_at: datetime
    updated_at: datetime
    escalation_level: EscalationLevel | None
    outcome: Outcome | None
    note: str | None = Field(
        description="The agency's own note of its last action; only this agency sees it, and"
        " it is never put on an event."
    )
    reason_code: str | None = Field(
        default=None, description="The reason code of a rejection.", examples=["sudah_ditangani"]
    )
    resident: ResidentOut | None = Field(
        description="Null until the resident's data has reached the gateway, and once erased."
    )
    personal_data_erased: bool = Field(
        default=False,
        description="True once the resident's personal data was erased (retention or the "
        "resident's request): it will not come back.",
    )

    @classmethod
    def of(cls, view: AgencyView) -> ReferralOut:
        """Render an agency's view of a referral; only its disclosed fields are present."""
        r = view.referral
        return cls(
            referral_id=r.id,
            complaint_id=r.complaint_id,
            ticket=r.ticket,
            village_code=r.village_code,
            service_code=r.service_code,
            attempt=r.attempt,
            status=r.status,
            dispatched_at=r.dispatched_at,
            due_at=r.due_at,
            updated_at=r.updated_at,
            escalation_level=r.escalation_level,
            outcome=r.outcome,
            note=r.note,
            reason_code=r.reason_code,
            resident=ResidentOut(**view.resident) if view.resident is not None else None,
            personal_data_erased=view.personal_data_erased,
        )


class ReferralPage(BaseModel):
    """A page of referrals, oldest first; follow next_cursor until it is null."""

    items: list[ReferralOut]
    next_cursor: str | None = Field(description="The next page's cursor; null on the last page.")
    resume_cursor: str = Field(
        description="Where this page ends, on every page: save it and page on from it later"
        " to get every referral that arrives after (none is ever skipped)."
    )


class NoteIn(BaseModel):
    """An optional note."""

    model_config = ConfigDict(extra="forbid")
    note: str | None = Field(default=None, max_length=4000)


_CODES = "; ".join(
    f"`{code}`: {label_id} ({label_en})" for code, (label_id, label_en) in REASON_CODES.items()
)


class RejectIn(BaseModel):
    """Why the referral is not for this agency: a reason code, a free-text reason, or both."""

    model_config = ConfigDict(extra="forbid")
    reason_code: str | None = Field(
        default=None,
        max_length=40,
        description="One of the reason codes (what the events carry): " + _CODES + "."
        " Without it, a rejection with a reason gets `lainnya`.",
        examples=["bukan_kewenangan"],
    )
    reason: str | None = Field(
        default=None,
        min_length=1,
        max_length=4000,
        description="Free text, kept in the gateway for this agency only; never on an event.",
        examples=["Bukan wewenang kami."],
    )


class ResolveIn(BaseModel):
    """The outcome of the agency's work."""

    model_config = ConfigDict(extra="forbid")
    outcome: Literal["resolved", "partially_resolved", "unresolvable"]
    note: str | None = Field(default=None, max_length=4000, examples=["PBI aktif kembali"])


class ActionOut(BaseModel):
    """The referral's status after the action (the same answer to every repeat of a key)."""

    referral_id: UUID
    status: str
    outcome: str | None
    note: str | None
    at: datetime
    reason_code: str | None = None

    @classmethod
    def of(cls, result: ActionResult) -> ActionOut:
        """Render an action's result."""
        return cls(
            referral_id=result.referral_id,
            status=result.status,
            outcome=result.outcome,
            note=result.note,
            at=result.at,
            reason_code=result.reason_code,
        )


async def authenticate_agency(unit: GatewayUnitOfWork, authorization: str | None) -> str:
    """The agency holding the bearer key; 401 for none, an unknown or a revoked key."""
    key = bearer(authorization)
    code = await unit.agency_of_key(hash_token(key)) if key else None
    if code is None:
        raise ApiError(
            401,
            "unauthenticated",
            "A valid agency key is required.",
            message_id="Diperlukan kunci instansi yang sah.",
        )
    return code


def refused(exc: ActionRefusedError) -> ApiError:
    """The answer for an action the referral's rules do not allow."""
    status = 409 if isinstance(exc, InvalidTransitionError) else 422
    return ApiError(status, exc.code, exc.message, message_id=exc.message_id)


def router(runtime: ServiceRuntime) -> APIRouter:
    """Build the routes bound to a runtime."""
    api = APIRouter(tags=["referrals"])

    def uow() -> GatewayUnitOfWork:
        return GatewayUnitOfWork(runtime.pool, runtime.layout)

    @api.get(
        "/v1/referrals",
        response_model=ReferralPage,
        response_model_exclude_unset=True,
        summary="The agency's referrals, oldest first.",
    )
    async def list_referrals(
        authorization: Auth = None,
        status: Annotated[Status | None, Query()] = None,
        limit: Annotated[int, Query(ge=1, le=200)] = 50,
        cursor: Annotated[str | None, Query(max_length=100)] = None,
    ) -> ReferralPage:
        async with uow() as unit:
            code = await authenticate_agency(unit, authorization)
            try:
                page = await views.list_referrals(
                    unit, code, status=status, cursor=cursor, limit=limit
                )
            except InvalidCursorError as exc:
                raise ApiError(400, "invalid_cursor", "The cursor is not valid.") from exc
            await unit.commit()
        return ReferralPage(
            items=[ReferralOut.of(v) for v in page.items],
            next_cursor=page.next_cursor,
            resume_cursor=page.resume_cursor,
        )

    @api.get(
        "/v1/referrals/{referral_id}",
        response_model=ReferralOut,
        response_model_exclude_unset=True,
        summary="One of the agency's referrals.",
        responses={404: {"description": "No such referral, or another agency's."}},
    )
    async def get_referral(referral_id: UUID, authorization: Auth = None) -> ReferralOut:
        async with uow() as unit:
            code = await authenticate_agency(unit, authorization)
            view = await views.read_referral(unit, code, referral_id)
            if view is None:
                raise not_found()
            await unit.commit()
        return ReferralOut.of(view)

    async def run(
        referral_id: UUID, request: AgencyAction, authorization: str | None, key: str | None
    ) -> ActionOut:
        async with uow() as unit:
            code = await authenticate_agency(unit, authorization)
            if not key:
                raise ApiError(
                    400,
                    "idempotency_key_required",
                    "Send an Idempotency-Key header.",
                    message_id="Sertakan header Idempotency-Key.",
                )
            try:
                result = await act(
                    unit,
                    agency_code=code,
                    referral_id=referral_id,
                    request=request,
                    idempotency_key=key,
                )
            except ReferralNotFoundError as exc:
                raise not_found() from exc
            except ActionRefusedError as exc:
                raise refused(exc) from exc
            except IdempotencyKeyReusedError as exc:
                raise ApiError(
                    409,
                    "idempotency_key_reused",
                    "This Idempotency-Key was used for a different request.",
                    message_id="Idempotency-Key ini sudah dipakai untuk permintaan lain.",
                ) from exc
            await unit.commit()
        return ActionOut.of(result)

    @api.post(
        "/v1/referrals/{referral_id}/acknowledge",
        response_model=ActionOut,
        summary="Acknowledge a new referral.",
    )
    async def acknowledge(
        referral_id: UUID,
        authorization: Auth = None,
        idempotency_key: Key = None,
        body: NoteIn | None = None,
    ) -> ActionOut:
        request = AgencyAction("acknowledge", note=body.note if body else None)
        return await run(referral_id, request, authorization, idempotency_key)

    @api.post(
        "/v1/referrals/{referral_id}/progress",
        response_model=ActionOut,
        summary="Report work in progress (again and again, each with a note).",
    )
    async def progress(
        referral_id: UUID,
        authorization: Auth = None,
        idempotency_key: Key = None,
        body: NoteIn | None = None,
    ) -> ActionOut:
        request = AgencyAction("progress", note=body.note if body else None)
        return await run(referral_id, request, authorization, idempotency_key)

    @api.post(
        "/v1/referrals/{referral_id}/reject",
        response_model=ActionOut,
        summary="Reject a referral that is not for this agency (a reason_code, a reason, or both).",
    )
    async def reject(
        referral_id: UUID, body: RejectIn, authorization: Auth = None, idempotency_key: Key = None
    ) -> ActionOut:
        request = AgencyAction("reject", note=body.reason, reason_code=body.reason_code)
        return await run(referral_id, request, authorization, idempotency_key)

    @api.post(
        "/v1/referrals/{referral_id}/resolve",
        response_model=ActionOut,
        summary="Report the outcome of a referral.",
    )
    async def resolve(
        referral_id: UUID, body: ResolveIn, authorization: Auth = None, idempotency_key: Key = None
    ) -> ActionOut:
        request = AgencyAction("resolve", note=body.note, outcome=body.outcome)
        return await run(referral_id, request, authorization, idempotency_key)

    return api
