"""The agencies' API: their own referrals only, and the actions they take on them."""

from __future__ import annotations

import base64
import binascii
from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Header, Query
from pydantic import BaseModel, ConfigDict, Field

from gateway.adapters.repository import GatewayUnitOfWork
from gateway.service_layer.actions import Action, ActionError, act
from gateway.service_layer.views import resident_view
from slrt_shared.http import ApiError
from slrt_shared.runtime import ServiceRuntime
from slrt_shared.tokens import bearer, hash_token

NOT_FOUND = ApiError(404, "not_found", "No such referral.")
Auth = Annotated[str | None, Header()]
Key = Annotated[str | None, Header(max_length=200)]


class ReferralOut(BaseModel):
    """A referral as its agency sees it."""

    referral_id: UUID
    complaint_id: UUID
    ticket: str
    village_code: str
    service_code: str
    attempt: int
    status: str
    dispatched_at: datetime
    due_at: datetime
    escalation_level: str | None
    outcome: str | None
    note: str | None
    resident: dict[str, str | None] | None = Field(
        description="The resident's data that the service's pii_level allows."
    )


class ReferralPage(BaseModel):
    """A page of referrals; follow next_cursor until it is null."""

    items: list[ReferralOut]
    next_cursor: str | None


class NoteIn(BaseModel):
    """An optional note."""

    model_config = ConfigDict(extra="forbid")
    note: str | None = Field(default=None, max_length=4000)


class RejectIn(BaseModel):
    """Why the referral is not for this agency."""

    model_config = ConfigDict(extra="forbid")
    reason: str = Field(min_length=1, max_length=4000)


class ResolveIn(BaseModel):
    """The outcome of the agency's work."""

    model_config = ConfigDict(extra="forbid")
    outcome: Literal["resolved", "partially_resolved", "unresolvable"]
    note: str | None = Field(default=None, max_length=4000)


class ActionOut(BaseModel):
    """The referral's status after the action."""

    referral_id: UUID
    status: str
    outcome: str | None
    at: datetime


async def authenticate_agency(unit: GatewayUnitOfWork, authorization: str | None) -> str:
    """The agency holding the bearer key; 401 for none, an unknown or a revoked key."""
    key = bearer(authorization)
    code = await unit.agency_of_key(hash_token(key)) if key else None
    if code is None:
        raise ApiError(401, "unauthenticated", "A valid agency key is required.")
    return code


def encode_cursor(seq: int) -> str:
    """Opaque cursor for a position."""
    return base64.urlsafe_b64encode(f"s:{seq}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> int:
    """Position of a cursor (0 for none); 400 when it is not one of ours."""
    if not cursor:
        return 0
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        kind, _, value = raw.partition(":")
        if kind == "s" and value.isdigit():
            return int(value)
    except (binascii.Error, UnicodeDecodeError):
        pass
    raise ApiError(400, "invalid_cursor", "The cursor is not valid.")


def router(runtime: ServiceRuntime) -> APIRouter:
    """Build the routes bound to a runtime."""
    api = APIRouter(tags=["referrals"])

    def uow() -> GatewayUnitOfWork:
        return GatewayUnitOfWork(runtime.pool, runtime.layout)

    async def view(unit: GatewayUnitOfWork, agency_code: str, row: dict[str, Any]) -> ReferralOut:
        resident = await resident_view(unit, row)
        if resident:
            await unit.audit(agency_code, row["id"], sorted(resident))
        return ReferralOut(
            referral_id=row["id"],
            resident=resident,
            **{k: row[k] for k in ReferralOut.model_fields if k in row and k not in {"resident"}},
        )

    @api.get("/v1/referrals", response_model=ReferralPage, summary="The agency's referrals.")
    async def list_referrals(
        authorization: Annotated[str | None, Header()] = None,
        status: Annotated[str | None, Query(max_length=20)] = None,
        limit: Annotated[int, Query(ge=1, le=200)] = 50,
        cursor: Annotated[str | None, Query(max_length=100)] = None,
    ) -> ReferralPage:
        async with uow() as unit:
            code = await authenticate_agency(unit, authorization)
            rows = await unit.page(code, status, decode_cursor(cursor), limit + 1)
            items = [await view(unit, code, r) for r in rows[:limit]]
            await unit.commit()
        more = len(rows) > limit
        return ReferralPage(
            items=items, next_cursor=encode_cursor(rows[limit - 1]["seq"]) if more else None
        )

    @api.get(
        "/v1/referrals/{referral_id}",
        response_model=ReferralOut,
        summary="One of the agency's referrals.",
    )
    async def get_referral(
        referral_id: UUID, authorization: Annotated[str | None, Header()] = None
    ) -> ReferralOut:
        async with uow() as unit:
            code = await authenticate_agency(unit, authorization)
            row = await unit.referral(referral_id, code)
            if row is None:
                raise NOT_FOUND
            out = await view(unit, code, row)
            await unit.commit()
        return out

    async def run(
        referral_id: UUID,
        action: str,
        authorization: str | None,
        idempotency_key: str | None,
        note: str | None = None,
        outcome: str | None = None,
    ) -> ActionOut:
        if not idempotency_key:
            raise ApiError(400, "idempotency_key_required", "Send an Idempotency-Key header.")
        async with uow() as unit:
            code = await authenticate_agency(unit, authorization)
            try:
                result = await act(
                    unit, Action(code, referral_id, action, note, outcome), idempotency_key
                )
            except ActionError as exc:
                raise ApiError(exc.status, exc.code, exc.message) from exc
            await unit.commit()
        return ActionOut(**result)

    @api.post(
        "/v1/referrals/{referral_id}/acknowledge",
        response_model=ActionOut,
        summary="Acknowledge a referral.",
    )
    async def acknowledge(
        referral_id: UUID,
        authorization: Auth = None,
        idempotency_key: Key = None,
        body: NoteIn | None = None,
    ) -> ActionOut:
        return await run(
            referral_id, "acknowledge", authorization, idempotency_key, body.note if body else None
        )

    @api.post(
        "/v1/referrals/{referral_id}/progress",
        response_model=ActionOut,
        summary="Report work in progress.",
    )
    async def progress(
        referral_id: UUID,
        authorization: Auth = None,
        idempotency_key: Key = None,
        body: NoteIn | None = None,
    ) -> ActionOut:
        return await run(
            referral_id, "progress", authorization, idempotency_key, body.note if body else None
        )

    @api.post(
        "/v1/referrals/{referral_id}/reject",
        response_model=ActionOut,
        summary="Reject a referral that is not for this agency (reason required).",
    )
    async def reject(
        referral_id: UUID, body: RejectIn, authorization: Auth = None, idempotency_key: Key = None
    ) -> ActionOut:
        return await run(referral_id, "reject", authorization, idempotency_key, body.reason)

    @api.post(
        "/v1/referrals/{referral_id}/resolve",
        response_model=ActionOut,
        summary="Report the outcome of a referral.",
    )
    async def resolve(
        referral_id: UUID, body: ResolveIn, authorization: Auth = None, idempotency_key: Key = None
    ) -> ActionOut:
        return await run(
            referral_id, "resolve", authorization, idempotency_key, body.note, body.outcome
        )

    return api
