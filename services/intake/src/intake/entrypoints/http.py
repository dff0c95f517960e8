"""Intake's HTTP API: operators register complaints; anyone with a ticket can track one.

Each route parses the request, calls a use case of `service_layer` and answers; who is calling
is settled first by the dependencies of `auth`.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any
from uuid import UUID

from fastapi import APIRouter, Depends, FastAPI, Request, Response
from fastapi.responses import JSONResponse
from pydantic import ValidationError

from intake.domain import listing
from intake.domain.access import Caller
from intake.domain.complaints import Problem
from intake.domain.disclosure import SPECIAL_NAME, is_special, tracked_needs
from intake.domain.errors import message
from intake.domain.rate_limit import RateLimit
from intake.domain.stages import stages_now
from intake.domain.tracking import label
from intake.entrypoints import auth, errors
from intake.entrypoints.listing_docs import INVALID_QUERY_EXAMPLE, LIST_EXAMPLE, LIST_PARAMETERS
from intake.entrypoints.schemas import (
    BatchIn,
    BatchItemResult,
    BatchOut,
    ComplaintAccepted,
    ComplaintIn,
    ComplaintListOut,
    ComplaintOut,
    ItemProblem,
    ListedComplaintOut,
    ListedReferralOut,
    MaskedResidentOut,
    OfflineComplaintIn,
    ResidentIn,
    StageNowOut,
    TimelineOut,
    TrackingOut,
    VillageOut,
    to_domain,
)
from intake.service_layer import reading, registration
from intake.service_layer.listing import ListComplaints, ListedComplaint
from intake.service_layer.listing import list_complaints as listed
from intake.service_layer.reading import ComplaintNotFoundError, ReadComplaint, read_complaint
from intake.service_layer.registration import (
    ComplaintRejectedError,
    OfflineComplaint,
    RegisterComplaint,
    Registration,
    SyncBatch,
    WrongVillageError,
    register,
)
from intake.service_layer.unit_of_work import UnitOfWorkFactory
from slrt_shared import clock
from slrt_shared.http import error_body, request_language
from slrt_shared.idempotency import IdempotencyKeyReusedError


async def registered(
    command: RegisterComplaint, uow: UnitOfWorkFactory, language: str
) -> Registration:
    """Run the registration use case, its refusals as coded HTTP errors in `language`."""
    try:
        return await register(command, uow())
    except WrongVillageError as exc:
        raise errors.WRONG_VILLAGE from exc
    except ComplaintRejectedError as exc:
        raise errors.invalid_complaint(exc, language) from exc
    except IdempotencyKeyReusedError as exc:
        raise errors.IDEMPOTENCY_KEY_REUSED from exc


def accepted(row: dict[str, Any], resident_code: str | None = None) -> ComplaintAccepted:
    """The answer for a registered complaint (the resident's code only when it was created)."""
    return ComplaintAccepted(
        complaint_id=row["id"],
        ticket=row["ticket"],
        status=row["status"],
        received_at=row["received_at"],
        possible_duplicate_of=row["possible_duplicate_of"],
        resident_code=resident_code,
    )


def router(uow: UnitOfWorkFactory, limit: RateLimit, code_key: bytes = b"") -> APIRouter:
    """Build the routes of complaints and of the public tracker (`code_key`: the secret of
    the residents' codes' hashes; none issues no code)."""
    api = APIRouter()
    signed_in_caller = Depends(auth.signed_in(uow, limit))
    given_key = Depends(auth.idempotency_key)

    @api.post(
        "/v1/complaints",
        status_code=201,
        response_model=ComplaintAccepted,
        tags=["complaints"],
        summary="Register a complaint at a Puskesos.",
        responses={200: {"model": ComplaintAccepted, "description": "Repeat of a key."}},
    )
    async def create_complaint(
        body: ComplaintIn,
        request: Request,
        response: Response,
        caller: Caller = signed_in_caller,
        idempotency_key: str = given_key,
    ) -> ComplaintAccepted:
        command = RegisterComplaint(
            caller, to_domain(body), idempotency_key, clock.now(), code_key=code_key
        )
        done = await registered(command, uow, request_language(request))
        if not done.created:
            response.status_code = 200
        return accepted(done.row, done.resident_code)

    @api.post(
        "/v1/complaints/batch",
        response_model=BatchOut,
        tags=["complaints"],
        summary="Sync complaints recorded offline; a result per item; safe to resend.",
        description="Each item is answered as if the items were sent one after the other: a "
        "`client_id` repeated in the batch is `existing` (or `idempotency_key_reused` with "
        "another body). The batch is saved in one transaction: a request that fails saves "
        "none of it, and its resend creates it all.",
    )
    async def sync_batch(
        body: BatchIn, request: Request, caller: Caller = signed_in_caller
    ) -> BatchOut:
        language = request_language(request)
        items = tuple(_offline(raw) for raw in body.complaints)
        results = await registration.sync_batch(SyncBatch(caller, items, code_key), uow)
        return BatchOut(
            results=[
                BatchItemResult(
                    client_id=r.client_id,
                    result=r.result,
                    errors=[
                        ItemProblem(field=p.field, code=p.code, message=message(p.code, language))
                        for p in r.problems
                    ],
                    **(
                        {
                            "complaint_id": r.row["id"],
                            "ticket": r.row["ticket"],
                            "possible_duplicate_of": r.row["possible_duplicate_of"],
                            "resident_code": r.resident_code,
                        }
                        if r.row is not None
                        else {}
                    ),
                )
                for r in results
            ]
        )

    @api.get(
        "/v1/complaints",
        response_model=ComplaintListOut,
        tags=["complaints"],
        summary="The village's complaints for its operator, the regency's for district staff.",
        description="Newest first, a page at a time: follow `next_cursor` until it is null. "
        "The resident's name and NIK are masked. A filter outside the caller's area gives an "
        "empty page. Every call is logged (who, which filters, which complaints).",
        openapi_extra={"parameters": LIST_PARAMETERS},
        responses={
            200: {"content": {"application/json": {"example": LIST_EXAMPLE}}},
            422: {
                "description": "A parameter is not valid: a code per parameter in `details`.",
                "content": {
                    "application/json": {
                        "schema": {"$ref": "#/components/schemas/ErrorBody"},
                        "example": INVALID_QUERY_EXAMPLE,
                    }
                },
            },
        },
    )
    async def list_complaints(
        request: Request, caller: Caller = signed_in_caller
    ) -> ComplaintListOut:
        parsed = listing.parse(request.query_params.multi_items())
        if parsed.filter is None:
            raise errors.invalid_query(parsed.problems, request_language(request))
        page = await listed(ListComplaints(caller, parsed.filter, clock.now()), uow())
        return ComplaintListOut(
            items=[_listed_out(item) for item in page.items], next_cursor=page.next_cursor
        )

    @api.get(
        "/v1/complaints/{complaint_id}",
        response_model=ComplaintOut,
        tags=["complaints"],
        summary="A complaint, for its village's operator or district staff.",
    )
    async def get_complaint(complaint_id: UUID, caller: Caller = signed_in_caller) -> ComplaintOut:
        try:
            found = await read_complaint(ReadComplaint(caller, complaint_id), uow())
        except ComplaintNotFoundError as exc:
            raise errors.COMPLAINT_NOT_FOUND from exc
        row = found.row
        erased = row["erased_at"] is not None
        return ComplaintOut(
            complaint_id=row["id"],
            ticket=row["ticket"],
            status=row["status"],
            village_code=row["village_code"],
            needs=row["needs"],
            description=row["description"],
            channel=row["channel"],
            recorded_at=row["recorded_at"],
            received_at=row["received_at"],
            closed_at=row["closed_at"],
            need_details=None if erased else row["need_details"],
            resident=None
            if erased
            else ResidentIn(
                nik=row["nik"], name=row["name"], phone=row["phone"], address=row["address"]
            ),
            personal_data_erased=erased,
            erased_at=row["erased_at"],
            erasure_cause=row["erasure_cause"],
            timeline=[TimelineOut(**asdict(e)) for e in found.timeline],
        )

    @api.get(
        "/v1/track/{ticket}",
        response_model=TrackingOut,
        tags=["tracking"],
        summary="Public status and timeline of a complaint (no personal data).",
    )
    async def track(ticket: str, request: Request) -> TrackingOut:
        try:
            found = await reading.track(ticket, uow())
        except ComplaintNotFoundError as exc:
            raise errors.TICKET_NOT_FOUND from exc
        row = found.row
        catalogue = found.services
        levels = {code: s["pii_level"] for code, s in catalogue.items()}
        language = request_language(request)
        special = any(is_special(code, levels) for code in row["needs"])
        names = [
            SPECIAL_NAME.get(language, SPECIAL_NAME["en"])
            if is_special(code, levels)
            else catalogue[code]["name_id" if language == "id" else "name_en"]
            for code in row["needs"]
        ]
        entries = [TimelineOut(**asdict(e), label=label(e.kind, language)) for e in found.timeline]
        if special:
            # The agency a special service goes to (DP3A, say) would name the service itself.
            entries = [e.model_copy(update={"agency_code": None}) for e in entries]
        return TrackingOut(
            ticket=row["ticket"],
            status=row["status"],
            village=VillageOut(code=row["village_code"], name=row["village_name"]),
            needs=tracked_needs(row["needs"], levels),
            service_names=names,
            received_at=row["received_at"],
            closed_at=row["closed_at"],
            reopen_until=row["reopen_until"] if row["status"] == "closed" else None,
            reopenings=row["reopenings"],
            timeline=entries,
            stages=[
                StageNowOut(
                    service_code=now.service_code,
                    stage=now.stage,
                    index=now.index,
                    total=now.total,
                    waiting_at_village=now.waiting_at_village,
                )
                for now in stages_now(found.timeline)
                if not is_special(now.service_code, levels)
            ],
        )

    return api


def _listed_out(item: ListedComplaint) -> ListedComplaintOut:
    return ListedComplaintOut(
        complaint_id=item.complaint_id,
        ticket=item.ticket,
        client_id=item.client_id,
        village_code=item.village_code,
        status=item.status,
        needs=item.needs,
        received_at=item.received_at,
        recorded_at=item.recorded_at,
        resident=MaskedResidentOut(name=item.resident.name, nik=item.resident.nik)
        if item.resident
        else None,
        personal_data_erased=item.resident is None,
        referrals=[
            ListedReferralOut(
                agency_code=r.agency_code,
                status=r.status,
                outcome=r.outcome,
                dispatched_at=r.dispatched_at,
                due_at=r.due_at,
                overdue=r.overdue,
                escalated=r.escalated,
                escalation_level=r.escalation_level,
            )
            for r in item.referrals
        ],
    )


def _offline(raw: dict[str, Any]) -> OfflineComplaint:
    """An item of a batch as the use case takes it: the complaint, or why its shape is wrong."""
    client_id = raw.get("client_id") if isinstance(raw.get("client_id"), str) else None
    try:
        item = OfflineComplaintIn.model_validate(raw)
    except ValidationError as exc:
        return OfflineComplaint(client_id, None, _schema_problems(exc))
    return OfflineComplaint(item.client_id, to_domain(item))


def _schema_problems(exc: ValidationError) -> tuple[Problem, ...]:
    codes = {"extra_forbidden": "unknown_field", "missing": "field_required"}
    return tuple(
        Problem(codes.get(e["type"], "invalid_value"), ".".join(str(p) for p in e.get("loc", ())))
        for e in exc.errors()
    )


def accept_json_only(app: FastAPI) -> None:
    """Refuse bodies of the JSON API (/v1/) that are not JSON, before any route parses them.

    The size of a body is the shared request guard's to limit (`max_body_bytes`).
    """

    @app.middleware("http")
    async def json_only(request: Request, call_next):  # type: ignore[no-untyped-def]
        if request.method in {"POST", "PUT", "PATCH"} and request.url.path.startswith("/v1/"):
            content_type = request.headers.get("content-type", "").split(";")[0].strip()
            if not content_type.endswith("json"):
                text = message("unsupported_media_type", request_language(request))
                return JSONResponse(error_body("unsupported_media_type", text), 415)
        return await call_next(request)
