"""Referral's HTTP API for district staff and the admin: cases and referrals."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import asdict
from typing import Any
from uuid import UUID

from fastapi import APIRouter, Depends

from referral.adapters.repository import UnitOfWorkFactory
from referral.domain.errors import Refusal
from referral.domain.referrals import Referral
from referral.entrypoints.auth import Authentication, Caller
from referral.entrypoints.errors import refused
from referral.entrypoints.schemas import (
    CaseActionOut,
    CaseOut,
    ExtendIn,
    HoldIn,
    NoteIn,
    QueueItemOut,
    QueuesOut,
    ReferralDetailOut,
    ReferralOut,
    RerouteIn,
    ResolveIn,
    TransitionOut,
    TriageIn,
    WorkedOut,
)
from referral.service_layer import casework
from referral.service_layer.cases import ReadCase, ReadReferral, read_case, read_referral
from referral.service_layer.casework import ExtendDue, ReadQueues, Worked, extend_due, read_queues
from referral.service_layer.context import Context
from referral.service_layer.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)

UNAUTHENTICATED: dict[int | str, dict[str, Any]] = {
    401: {"description": "No district staff or admin token."}
}


def _item(row: dict[str, Any]) -> QueueItemOut:
    fields = {name: row[name] for name in QueueItemOut.model_fields if name in row}
    return QueueItemOut(referral_id=row["id"], current=True, **fields)


def _out(referral: Referral, current: bool) -> ReferralOut:
    fields = asdict(referral)
    return ReferralOut(referral_id=fields.pop("id"), current=current, **fields)


def router(uow: UnitOfWorkFactory, auth: Authentication, context: Context) -> APIRouter:
    """Build the routes of cases and referrals; every one needs a staff or admin token."""
    api = APIRouter(tags=["cases"])
    staff = Depends(auth.staff)

    @api.get(
        "/v1/cases/{complaint_id}",
        response_model=CaseOut,
        summary="A case with every referral of it.",
        responses={**UNAUTHENTICATED, 404: {"description": "No such case in your district."}},
    )
    async def get_case(complaint_id: UUID, caller: Caller = staff) -> CaseOut:
        try:
            async with uow() as tx:
                view = await read_case(ReadCase(complaint_id, caller.staff), tx)
        except Refusal as exc:
            raise refused(exc) from exc
        log.info("case %s read by %s", complaint_id, caller.name)
        case = view.case
        return CaseOut(
            complaint_id=case.complaint_id,
            ticket=case.ticket,
            village_code=case.village_code,
            status=case.status,
            opened_at=case.opened_at,
            closed_at=case.closed_at,
            referrals=[_out(r, r.id in view.current) for r in view.referrals],
            actions=[CaseActionOut(**a) for a in view.actions],
        )

    @api.get(
        "/v1/referrals/{referral_id}",
        response_model=ReferralDetailOut,
        summary="A referral and the status changes asked of it.",
        responses={**UNAUTHENTICATED, 404: {"description": "No such referral in your district."}},
    )
    async def get_referral(referral_id: UUID, caller: Caller = staff) -> ReferralDetailOut:
        try:
            async with uow() as tx:
                view = await read_referral(ReadReferral(referral_id, caller.staff), tx)
        except Refusal as exc:
            raise refused(exc) from exc
        log.info("referral %s read by %s", referral_id, caller.name)
        return ReferralDetailOut(
            **_out(view.referral, view.current).model_dump(),
            transitions=[TransitionOut(**t) for t in view.transitions],
            actions=[CaseActionOut(**a) for a in view.actions],
        )

    @api.get(
        "/v1/console/queues",
        response_model=QueuesOut,
        response_model_exclude_unset=True,  # an absent queue is left out; an item keeps its nulls
        summary="The console's queues of the caller's area (kecamatan staff: escalations only).",
        responses=UNAUTHENTICATED,
    )
    async def queues(caller: Caller = staff) -> QueuesOut:
        async with uow() as tx:
            found = await read_queues(ReadQueues(caller.staff), tx, context=context)
        log.info("console queues read by %s", caller.name)
        return QueuesOut(**{name: [_item(r) for r in rows] for name, rows in found.items()})

    @api.post(
        "/v1/referrals/{referral_id}/extend",
        response_model=ReferralOut,
        summary="Extend a referral's due date with a reason code (the secretariat, the admin).",
        responses={
            **UNAUTHENTICATED,
            403: {"description": "Not a named secretariat person or the admin."},
            404: {"description": "No such referral in your regency."},
            409: {"description": "The referral is closed."},
            422: {"description": "Unknown reason, a date not later or in the past."},
        },
    )
    async def extend(referral_id: UUID, body: ExtendIn, caller: Caller = staff) -> ReferralOut:
        command = ExtendDue(referral_id, body.due_at, body.reason_code, caller.staff, caller.name)
        try:
            async with uow() as tx:
                extended = await extend_due(command, tx, context=context)
                await tx.commit()
        except Refusal as exc:
            raise refused(exc) from exc
        return _out(extended, True)

    async def work(run: Callable[[UnitOfWork], Awaitable[Worked]]) -> WorkedOut:
        """Run one action of the secretariat in one transaction; a refusal changes nothing."""
        try:
            async with uow() as tx:
                worked = await run(tx)
                await tx.commit()
        except Refusal as exc:
            raise refused(exc) from exc
        following = worked.next_referral
        return WorkedOut(
            referral=_out(worked.referral, worked.current),
            next_referral=_out(following, True) if following else None,
        )

    worker_only = {
        **UNAUTHENTICATED,
        403: {"description": "Not a named secretariat person or the admin."},
        404: {"description": "No such referral in your regency."},
    }

    @api.post(
        "/v1/referrals/{referral_id}/triage",
        response_model=WorkedOut,
        summary="Send a need waiting at the secretariat to a service and agency (default: the"
        " service's rule); `triaged`, then the next attempt is dispatched.",
        responses={
            **worker_only,
            409: {
                "description": "The need is not waiting at the secretariat, or the case has"
                " a need of that service already."
            },
            422: {"description": "Unknown service or agency, or the secretariat itself."},
        },
    )
    async def triage(referral_id: UUID, body: TriageIn, caller: Caller = staff) -> WorkedOut:
        command = casework.Triage(
            referral_id, body.service_code, body.agency_code, caller.staff, caller.name
        )
        return await work(lambda tx: casework.triage(command, tx, context=context))

    @api.post(
        "/v1/referrals/{referral_id}/reroute",
        response_model=WorkedOut,
        summary="Take an open referral from its agency with a reason code and send it to"
        " another; `withdrawn`, then the next attempt is dispatched.",
        responses={
            **worker_only,
            409: {"description": "The referral is not open (an agency closed it first)."},
            422: {"description": "Unknown reason or agency, or the referral's own agency."},
        },
    )
    async def reroute(referral_id: UUID, body: RerouteIn, caller: Caller = staff) -> WorkedOut:
        command = casework.Reroute(
            referral_id, body.agency_code, body.reason_code, caller.staff, caller.name
        )
        return await work(lambda tx: casework.reroute(command, tx, context=context))

    @api.post(
        "/v1/referrals/{referral_id}/hold",
        response_model=WorkedOut,
        summary="The secretariat works the referral itself: a waiting need is `held`; an"
        " agency's is `withdrawn` (with a reason code) and a held attempt follows.",
        responses={
            **worker_only,
            409: {"description": "The referral is not open, or already held."},
            422: {"description": "Unknown reason (needed when taken from an agency)."},
        },
    )
    async def hold(referral_id: UUID, body: HoldIn, caller: Caller = staff) -> WorkedOut:
        command = casework.Hold(referral_id, body.reason_code, caller.staff, caller.name)
        return await work(lambda tx: casework.hold(command, tx, context=context))

    @api.post(
        "/v1/referrals/{referral_id}/resolve",
        response_model=WorkedOut,
        summary="Report the outcome of a referral the secretariat holds; the case closes when"
        " every need has one.",
        responses={
            **worker_only,
            409: {"description": "The referral is not open, or not held by the secretariat."},
            422: {"description": "Unknown outcome."},
        },
    )
    async def resolve(referral_id: UUID, body: ResolveIn, caller: Caller = staff) -> WorkedOut:
        command = casework.Resolve(referral_id, body.outcome, caller.staff, caller.name)
        return await work(lambda tx: casework.resolve(command, tx, context=context))

    @api.post(
        "/v1/referrals/{referral_id}/note",
        response_model=WorkedOut,
        summary="Add a note (1-1000 characters) to the case's history: the secretariat, the"
        " case's kecamatan staff, the admin. The event carries no text.",
        responses={
            **UNAUTHENTICATED,
            403: {"description": "District staff (they read cases only)."},
            404: {"description": "No such referral in your area."},
            422: {"description": "An empty note, or one over 1000 characters."},
        },
    )
    async def note(referral_id: UUID, body: NoteIn, caller: Caller = staff) -> WorkedOut:
        command = casework.AddNote(referral_id, body.text, caller.staff, caller.name)
        return await work(lambda tx: casework.add_note(command, tx, context=context))

    return api
