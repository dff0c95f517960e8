"""The agencies' API: their own referrals only, and the actions they take on them."""

# No `from __future__ import annotations`: FastAPI reads the routes' annotations, and they name
# a dependency built inside `router`.

import csv
import io
from datetime import datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Header, Query
from fastapi.responses import Response

from gateway.adapters.agency_keys import AgencyKeys
from gateway.adapters.repository import UnitOfWorkFactory
from gateway.domain.paging import Filters, InvalidCursorError
from gateway.domain.referrals import (
    ActionRefusedError,
    AgencyAction,
)
from gateway.domain.staff import Caller
from gateway.entrypoints.auth import caller_dependency
from gateway.entrypoints.errors import api_error, status_of
from gateway.entrypoints.schemas import (
    ActionOut,
    CallerOut,
    NoteIn,
    ReferralOut,
    ReferralPage,
    RejectIn,
    ResolveIn,
    TimelineEntryOut,
)
from gateway.service_layer import views
from gateway.service_layer.actions import (
    ActOnReferral,
    ReferralNotFoundError,
    act,
)
from slrt_shared import clock
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
    # The agency's system key or a person's staff token; a viewer may not act, only a
    # supervisor exports.
    reader = caller_dependency(keys)
    actor = caller_dependency(keys, acts=True)
    exporter = caller_dependency(keys, exports=True)

    @api.get(
        "/v1/me",
        response_model=CallerOut,
        summary="Who this key or staff token is: the agency, and the person and role if any.",
    )
    async def me(caller: Annotated[Caller, Depends(reader)]) -> CallerOut:
        return CallerOut(
            agency_code=caller.agency_code,
            account_id=caller.account_id,
            name=caller.name,
            role=caller.role,
            may_act=caller.may_act,
            may_export=caller.may_export,
        )

    @api.get(
        "/v1/referrals",
        response_model=ReferralPage,
        response_model_exclude_unset=True,
        summary="The agency's referrals, oldest first.",
    )
    async def list_referrals(
        caller: Annotated[Caller, Depends(reader)],
        status: Annotated[Status | None, Query()] = None,
        limit: Annotated[int, Query(ge=1, le=200)] = 50,
        cursor: Annotated[str | None, Query(max_length=100)] = None,
        service: Annotated[str | None, Query(max_length=40, description="A service code.")] = None,
        village: Annotated[
            str | None, Query(max_length=20, description="A village code (32.15.04.2001).")
        ] = None,
        due_before: Annotated[
            datetime | None, Query(description="Only referrals due before this time.")
        ] = None,
        overdue: Annotated[
            bool, Query(description="Only open referrals already past their due time.")
        ] = False,
        escalated: Annotated[bool, Query(description="Only escalated referrals.")] = False,
        without_withdrawn: Annotated[
            bool,
            Query(
                description="Leave out the referrals the SLRT secretariat withdrew from the"
                " agency (the desk's inbox does); `status=withdrawn` lists only those."
            ),
        ] = False,
    ) -> ReferralPage:
        filters = Filters(
            service,
            village,
            due_before,
            overdue,
            escalated,
            clock.now(),
            without_withdrawn,
        )
        query = views.ListReferrals(
            caller.agency_code, status, cursor, limit, filters, caller.account_id
        )
        async with uow() as unit:
            try:
                page = await views.list_referrals(query, unit)
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
    async def get_referral(
        referral_id: UUID, caller: Annotated[Caller, Depends(reader)]
    ) -> ReferralOut:
        query = views.ReadReferral(caller.agency_code, referral_id, caller.account_id)
        async with uow() as unit:
            view = await views.read_referral(query, unit)
            if view is None:
                raise not_found()
            await unit.commit()
        return ReferralOut.of(view)

    @api.get(
        "/v1/referrals/{referral_id}/timeline",
        response_model=list[TimelineEntryOut],
        summary="The steps of one of the agency's referrals, and who took each.",
        responses={404: {"description": "No such referral, or another agency's."}},
    )
    async def timeline(
        referral_id: UUID, caller: Annotated[Caller, Depends(reader)]
    ) -> list[TimelineEntryOut]:
        async with uow() as unit:
            entries = await views.read_timeline(
                views.ReadTimeline(caller.agency_code, referral_id), unit
            )
        if entries is None:
            raise not_found()
        return [TimelineEntryOut.of(e) for e in entries]

    @api.get(
        "/v1/referrals.csv",
        summary="Every referral of the agency as CSV, oldest first (supervisors only).",
        description="No resident's data: the referrals' codes, statuses and dates.",
        response_class=Response,
        responses={200: {"content": {"text/csv": {}}}},
    )
    async def export_csv(caller: Annotated[Caller, Depends(exporter)]) -> Response:
        async with uow() as unit:
            rows = await views.export_referrals(views.ExportReferrals(caller.agency_code), unit)
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(views.EXPORT_COLUMNS)
        writer.writerows(rows)
        return Response(
            out.getvalue(),
            media_type="text/csv; charset=utf-8",
            headers={
                "Content-Disposition": f'attachment; filename="rujukan-{caller.agency_code}.csv"'
            },
        )

    async def run(
        referral_id: UUID, request: AgencyAction, caller: Caller, key: str | None
    ) -> ActionOut:
        command = ActOnReferral(
            caller.agency_code, referral_id, request, key, account_id=caller.account_id
        )
        async with uow() as unit:
            try:
                result = await act(command, unit)
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
        caller: Annotated[Caller, Depends(actor)],
        idempotency_key: Key = None,
        body: NoteIn | None = None,
    ) -> ActionOut:
        request = AgencyAction("acknowledge", note=body.note if body else None)
        return await run(referral_id, request, caller, idempotency_key)

    @api.post(
        "/v1/referrals/{referral_id}/progress",
        response_model=ActionOut,
        summary="Report work in progress (again and again, each with a note).",
    )
    async def progress(
        referral_id: UUID,
        caller: Annotated[Caller, Depends(actor)],
        idempotency_key: Key = None,
        body: NoteIn | None = None,
    ) -> ActionOut:
        request = AgencyAction("progress", note=body.note if body else None)
        return await run(referral_id, request, caller, idempotency_key)

    @api.post(
        "/v1/referrals/{referral_id}/reject",
        response_model=ActionOut,
        summary="Reject a referral that is not for this agency (a reason_code, a reason, or both).",
    )
    async def reject(
        referral_id: UUID,
        body: RejectIn,
        caller: Annotated[Caller, Depends(actor)],
        idempotency_key: Key = None,
    ) -> ActionOut:
        request = AgencyAction("reject", note=body.reason, reason_code=body.reason_code)
        return await run(referral_id, request, caller, idempotency_key)

    @api.post(
        "/v1/referrals/{referral_id}/resolve",
        response_model=ActionOut,
        summary="Report the outcome of a referral.",
    )
    async def resolve(
        referral_id: UUID,
        body: ResolveIn,
        caller: Annotated[Caller, Depends(actor)],
        idempotency_key: Key = None,
    ) -> ActionOut:
        request = AgencyAction("resolve", note=body.note, outcome=body.outcome)
        return await run(referral_id, request, caller, idempotency_key)

    return api
