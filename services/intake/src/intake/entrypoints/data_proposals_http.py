"""DTSEN data proposal routes: the village operator proposes, the operator (its village) and
district staff (the regency) list them with their stage and decision."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request, Response

from intake.domain import listing
from intake.domain.access import Caller
from intake.domain.data_proposals import DataProposal
from intake.domain.rate_limit import RateLimit
from intake.entrypoints import auth, errors
from intake.entrypoints.programmes_http import answered
from intake.entrypoints.schemas import (
    DataProposalIn,
    DataProposalOut,
    DataProposalPage,
    ProposalAccepted,
    ProposalStageOut,
)
from intake.service_layer import data_proposals
from intake.service_layer.unit_of_work import UnitOfWorkFactory
from slrt_shared import clock
from slrt_shared.http import request_language

DESCRIPTION = (
    "Becomes a case with the need DTSEN, which referral passes through the rule's stages"
    " (kelengkapan at DINSOS, verifikasi at PKH or DINSOS, keputusan at DINSOS). The KK number,"
    " the head's NIK and name and the detail are personal data: kept where intake keeps the"
    " resident's, carried on complaint.pii only (`details.kk_number`, the DTSEN need's detail);"
    " complaint.created carries `data_proposal` (kind, removal_reason, deliberation_date)."
    " Each refusal is a coded 422 (`unknown_proposal_kind`, `removal_reason_required`,"
    " `removal_reason_not_allowed`, `unknown_removal_reason`, `deliberation_date_required`,"
    " `invalid_deliberation_date`, `deliberation_date_in_future`, `deliberation_date_too_old`"
    " (more than a year before today), `invalid_kk`, `invalid_nik`, `name_required`,"
    " `proposal_detail_required`, `proposal_detail_too_long`) and changes nothing. A repeat of"
    " the Idempotency-Key answers 200 with the case."
)


def router(uow: UnitOfWorkFactory, limit: RateLimit) -> APIRouter:
    """Build the DTSEN data proposal routes."""
    api = APIRouter(tags=["DTSEN data proposals"])
    signed_in = Depends(auth.signed_in(uow, limit))
    given_key = Depends(auth.idempotency_key)

    @api.post(
        "/v1/data-proposals",
        status_code=201,
        response_model=ProposalAccepted,
        summary="Send the village's DTSEN data proposal (baru, perubahan or penghapusan).",
        description=DESCRIPTION,
        responses={
            200: {"model": ProposalAccepted, "description": "Repeat of a key."},
            403: {"description": "Not a village operator (`operator_only`)."},
        },
    )
    async def propose(
        body: DataProposalIn,
        response: Response,
        caller: Caller = signed_in,
        idempotency_key: str = given_key,
    ) -> ProposalAccepted:
        proposal = DataProposal(
            kind=body.kind,
            deliberation_date=body.deliberation_date,
            removal_reason=body.removal_reason,
            kk_number=body.kk_number,
            head_nik=body.head_nik,
            head_name=body.head_name,
            detail=body.detail,
        )
        command = data_proposals.ProposeDataChange(caller, proposal, idempotency_key, clock.now())
        done = await answered(data_proposals.propose(command, uow()))
        if not done.created:
            response.status_code = 200
        return ProposalAccepted.of(done.row)

    @api.get(
        "/v1/data-proposals",
        response_model=DataProposalPage,
        summary="The DTSEN data proposals of the operator's village (district staff: the"
        " regency's), newest first, with their stage and decision.",
        description="No NIK or KK number: the head's name masked as in GET /v1/complaints;"
        " each page read is logged as the complaints' list is. `limit` (1-200, 50 by default)"
        " and `cursor` (the `next_cursor` of the page before) page through them.",
    )
    async def list_proposals(request: Request, caller: Caller = signed_in) -> DataProposalPage:
        wanted = [(k, v) for k, v in request.query_params.multi_items() if k in {"limit", "cursor"}]
        parsed = listing.parse(wanted)
        if parsed.filter is None:
            raise errors.invalid_query(parsed.problems, request_language(request))
        command = data_proposals.ListDataProposals(caller, parsed.filter.limit, parsed.filter.after)
        page = await answered(data_proposals.list_proposals(command, uow()))
        return DataProposalPage(
            items=[
                DataProposalOut(
                    complaint_id=p.complaint_id,
                    ticket=p.ticket,
                    village_code=p.village_code,
                    kind=p.kind,
                    removal_reason=p.removal_reason,
                    deliberation_date=p.deliberation_date,
                    received_at=p.received_at,
                    status=p.status,
                    stage=ProposalStageOut(
                        code=p.stage.stage, index=p.stage.index, total=p.stage.total
                    )
                    if p.stage
                    else None,
                    waiting_at_village=bool(p.stage and p.stage.waiting_at_village),
                    decision=p.decision,
                    decision_reason=p.decision_reason,
                    head_name=p.head_name,
                )
                for p in page.items
            ],
            next_cursor=page.next_cursor,
        )

    return api
