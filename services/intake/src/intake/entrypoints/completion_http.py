"""The operator completes a need a stage sent back to the village (perlu dilengkapi)."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, Depends

from intake.domain.access import Caller
from intake.domain.rate_limit import RateLimit
from intake.entrypoints import auth, errors
from intake.entrypoints.schemas import CompletionIn, CompletionOut
from intake.service_layer.completion import CompleteNeed, CompletionRefusedError, complete_need
from intake.service_layer.unit_of_work import UnitOfWorkFactory
from slrt_shared import clock

STATUS = {
    "need_detail_required": 422,
    "need_detail_too_long": 422,
    "complaint_not_found": 404,
    "operator_only": 403,
    "personal_data_erased": 409,
    "not_sent_back": 409,
}


def router(uow: UnitOfWorkFactory, limit: RateLimit) -> APIRouter:
    """Build the completion route; it needs the token of the complaint's village's operator."""
    api = APIRouter(tags=["complaints"])
    signed_in_caller = Depends(auth.signed_in(uow, limit))

    @api.post(
        "/v1/complaints/{complaint_id}/completion",
        response_model=CompletionOut,
        summary="Complete a need a stage sent back to the village; the stage receives it again.",
        responses={
            403: {"description": "Not the operator of the complaint's village."},
            404: {"description": "No such complaint."},
            409: {"description": "The need is not waiting for completion, or was erased."},
        },
    )
    async def complete(
        complaint_id: UUID, body: CompletionIn, caller: Caller = signed_in_caller
    ) -> CompletionOut:
        command = CompleteNeed(
            caller, complaint_id, body.service_code, body.need_detail, clock.now()
        )
        try:
            done = await complete_need(command, uow())
        except CompletionRefusedError as exc:
            code = "not_found" if exc.code == "complaint_not_found" else exc.code
            raise errors.api_error(STATUS[exc.code], code, text=exc.code) from exc
        return CompletionOut(
            complaint_id=complaint_id,
            service_code=body.service_code,
            stage=done.stage.stage,
            stage_index=done.stage.index,
            completion=done.completion,
        )

    return api
