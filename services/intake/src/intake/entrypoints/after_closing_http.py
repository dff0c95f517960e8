"""The resident's word once a complaint is closed: reopen it, or give a verdict on it.

Both paths take the resident's code in the body, or the village operator's bearer token instead
(the token is checked before the body is read; without an Authorization header the code is).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends

from intake.domain.access import Caller
from intake.domain.rate_limit import RateLimit
from intake.entrypoints import auth, errors
from intake.entrypoints.schemas import ReopenedOut, ReopenIn, VerdictIn, VerdictOut
from intake.service_layer import after_closing
from intake.service_layer.after_closing import (
    ComplaintNotFoundError,
    Operator,
    RateComplaint,
    RefusedError,
    ReopenComplaint,
    Resident,
    Speaker,
    WrongCodeError,
)
from intake.service_layer.unit_of_work import UnitOfWorkFactory
from slrt_shared import clock

_REFUSALS: dict[int | str, dict[str, Any]] = {
    403: {
        "description": "wrong_resident_code (the ticket and the code do not match, or no"
        " code was given) or other_village_operator."
    },
}
REOPEN_RESPONSES: dict[int | str, dict[str, Any]] = {
    **_REFUSALS,
    409: {
        "description": "complaint_not_closed, already_reopened (and not closed again yet),"
        " reopen_window_passed, nothing_to_reopen (every need resolved; scope all reopens"
        " them)."
    },
    422: {"description": "unknown_reopen_reason, unknown_reopen_scope, note_too_long."},
}
VERDICT_RESPONSES: dict[int | str, dict[str, Any]] = {
    **_REFUSALS,
    409: {"description": "complaint_not_closed (never closed, or reopened and open again)."},
    422: {"description": "unknown_solved, rating_out_of_range, comment_too_long."},
}


def router(
    uow: UnitOfWorkFactory, limit: RateLimit, code_key: bytes, days_without_calendar: int
) -> APIRouter:
    """Build the reopening and verdict routes (`code_key`: the secret of the codes' hashes)."""
    api = APIRouter()
    maybe_signed_in = Depends(auth.signed_in_if_token(uow, limit))

    def speaker(caller: Caller | None, code: str | None) -> Speaker:
        return Operator(caller) if caller is not None else Resident(code or "", code_key)

    @api.post(
        "/v1/track/{ticket}/reopen",
        status_code=201,
        response_model=ReopenedOut,
        tags=["tracking"],
        summary="Reopen a closed complaint: by the resident with the code, or the operator.",
        description="Allowed while the complaint is closed, until its `reopen_until` (a number"
        " of working days after closing, counted on the district's holiday calendar). The"
        " needs in `scope` go back to the agency that answered them, as a new referral with a"
        " new due date; the complaint closes again once each has its outcome. A refused"
        " reopening changes nothing.",
        responses=REOPEN_RESPONSES,
    )
    async def reopen(
        ticket: str, body: ReopenIn, caller: Caller | None = maybe_signed_in
    ) -> ReopenedOut:
        command = ReopenComplaint(
            ticket=ticket,
            by=speaker(caller, body.code),
            reason_code=body.reason,
            scope=body.scope,
            note=body.note,
            now=clock.now(),
            days_without_calendar=days_without_calendar,
        )
        try:
            done = await after_closing.reopen_complaint(command, uow())
        except WrongCodeError as exc:
            raise errors.WRONG_RESIDENT_CODE from exc
        except ComplaintNotFoundError as exc:
            raise errors.TICKET_NOT_FOUND from exc
        except RefusedError as exc:
            raise errors.after_closing_refusal(exc.code) from exc
        return ReopenedOut(
            ticket=done.ticket,
            status="referred",
            reopening=done.reopening,
            scope=done.scope,
            reason_code=done.reason_code,
            reopened_at=done.reopened_at,
        )

    @api.post(
        "/v1/track/{ticket}/feedback",
        status_code=201,
        response_model=VerdictOut,
        tags=["tracking"],
        summary="The resident's verdict on a closed complaint (or the operator's, for them).",
        description="Allowed while the complaint is closed. A verdict given again replaces the"
        " earlier one: the last answer wins (its `revision` is one higher); every one is kept.",
        responses=VERDICT_RESPONSES,
    )
    async def feedback(
        ticket: str, body: VerdictIn, caller: Caller | None = maybe_signed_in
    ) -> VerdictOut:
        command = RateComplaint(
            ticket=ticket,
            by=speaker(caller, body.code),
            solved=body.solved,
            rating=body.rating,
            comment=body.comment,
            now=clock.now(),
        )
        try:
            done = await after_closing.rate_complaint(command, uow())
        except WrongCodeError as exc:
            raise errors.WRONG_RESIDENT_CODE from exc
        except ComplaintNotFoundError as exc:
            raise errors.TICKET_NOT_FOUND from exc
        except RefusedError as exc:
            raise errors.after_closing_refusal(exc.code) from exc
        return VerdictOut(
            ticket=done.ticket,
            revision=done.revision,
            solved=done.solved,
            rating=done.rating,
            rated_at=done.rated_at,
        )

    return api
