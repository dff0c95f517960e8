"""The agencies' API: their own referrals only, and the actions they take on them."""

# No `from __future__ import annotations`: FastAPI reads the routes' annotations, and they name
# a dependency built inside `router`.

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Header, Query

from gateway.adapters.agency_keys import AgencyKeys
from gateway.adapters.repository import UnitOfWorkFactory
from gateway.domain.paging import InvalidCursorError
from gateway.domain.referrals import (
    ActionRefusedError,
    AgencyAction,
)
from gateway.entrypoints.auth import agency_dependency
from gateway.entrypoints.errors import api_error, status_of
from gateway.entrypoints.schemas import (
    ActionOut,
    NoteIn,
    ReferralOut,
    ReferralPage,
    RejectIn,
    ResolveIn,
)
from gateway.service_layer import views
from gateway.service_layer.actions import (
    ActOnReferral,
    ReferralNotFoundError,
    act,
)
from slrt_shared.contracts.referral_states import Status
from slrt_shared.http import ApiError
from slrt_shared.idempotency import IdempotencyKeyReusedError

Key = Annotated[
    str | None,
    Header(
        max_length=200,
        description="Optional: a repeat with the same key changes nothing and gets the first"
        " answer. Without one, the request is its own key: the same action with the same body"
        " on the same referral is answered as the first time and changes nothing; to report"
        " the same progress note twice, send a key.",
    ),
]


def not_found() -> ApiError:
    """The answer for a missing referral, and for another agency's: the same, to the byte."""
    return api_error("not_found")


def refused(exc: ActionRefusedError) -> ApiError:
    """The answer for an action the referral's rules do not allow."""
    return ApiError(status_of(exc.code), exc.code, exc.message, message_id=exc.message_id)


def router(uow: UnitOfWorkFactory, keys: AgencyKeys) -> APIRouter:
    """Build the routes on a unit-of-work factory and the agencies' keys."""
    api = APIRouter(tags=["referrals"])
    agency = agency_dependency(keys)

    @api.get(
        "/v1/referrals",
        response_model=ReferralPage,
        response_model_exclude_unset=True,
        summary="The agency's referrals, oldest first.",
    )
    async def list_referrals(
        code: Annotated[str, Depends(agency)],
        status: Annotated[Status | None, Query()] = None,
        limit: Annotated[int, Query(ge=1, le=200)] = 50,
        cursor: Annotated[str | None, Query(max_length=100)] = None,
    ) -> ReferralPage:
        async with uow() as unit:
            try:
                page = await views.list_referrals(
                    views.ListReferrals(code, status, cursor, limit), unit
                )
            except InvalidCursorError as exc:
                raise api_error("invalid_cursor") from exc
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
    async def get_referral(referral_id: UUID, code: Annotated[str, Depends(agency)]) -> ReferralOut:
        async with uow() as unit:
            view = await views.read_referral(views.ReadReferral(code, referral_id), unit)
            if view is None:
                raise not_found()
            await unit.commit()
        return ReferralOut.of(view)

    async def run(
        referral_id: UUID, request: AgencyAction, code: str, key: str | None
    ) -> ActionOut:
        async with uow() as unit:
            try:
                result = await act(ActOnReferral(code, referral_id, request, key), unit)
            except ReferralNotFoundError as exc:
                raise not_found() from exc
            except ActionRefusedError as exc:
                raise refused(exc) from exc
            except IdempotencyKeyReusedError as exc:
                raise api_error("idempotency_key_reused") from exc
            await unit.commit()
        return ActionOut.of(result)

    @api.post(
        "/v1/referrals/{referral_id}/acknowledge",
        response_model=ActionOut,
        summary="Acknowledge a new referral.",
    )
    async def acknowledge(
        referral_id: UUID,
        code: Annotated[str, Depends(agency)],
        idempotency_key: Key = None,
        body: NoteIn | None = None,
    ) -> ActionOut:
        request = AgencyAction("acknowledge", note=body.note if body else None)
        return await run(referral_id, request, code, idempotency_key)

    @api.post(
        "/v1/referrals/{referral_id}/progress",
        response_model=ActionOut,
        summary="Report work in progress (again and again, each with a note).",
    )
    async def progress(
        referral_id: UUID,
        code: Annotated[str, Depends(agency)],
        idempotency_key: Key = None,
        body: NoteIn | None = None,
    ) -> ActionOut:
        request = AgencyAction("progress", note=body.note if body else None)
        return await run(referral_id, request, code, idempotency_key)

    @api.post(
        "/v1/referrals/{referral_id}/reject",
        response_model=ActionOut,
        summary="Reject a referral that is not for this agency (a reason_code, a reason, or both).",
    )
    async def reject(
        referral_id: UUID,
        body: RejectIn,
        code: Annotated[str, Depends(agency)],
        idempotency_key: Key = None,
    ) -> ActionOut:
        request = AgencyAction("reject", note=body.reason, reason_code=body.reason_code)
        return await run(referral_id, request, code, idempotency_key)

    @api.post(
        "/v1/referrals/{referral_id}/resolve",
        response_model=ActionOut,
        summary="Report the outcome of a referral.",
    )
    async def resolve(
        referral_id: UUID,
        body: ResolveIn,
        code: Annotated[str, Depends(agency)],
        idempotency_key: Key = None,
    ) -> ActionOut:
        request = AgencyAction("resolve", note=body.note, outcome=body.outcome)
        return await run(referral_id, request, code, idempotency_key)

    return api
