"""Intake's HTTP API: operators register complaints; anyone with a ticket can track one."""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, FastAPI, Header, Request, Response

from intake.adapters.repository import Caller, IntakeUnitOfWork
from intake.domain import tickets
from intake.domain.complaints import NewComplaint, Resident, normalise_phone
from intake.entrypoints.schemas import (
    ComplaintAccepted,
    ComplaintIn,
    ComplaintOut,
    ResidentIn,
    TimelineOut,
    TrackingOut,
    VillageOut,
)
from intake.service_layer.registration import (
    ComplaintRejectedError,
    IdempotencyConflictError,
    register_complaint,
)
from slrt_shared.http import ApiError
from slrt_shared.runtime import ServiceRuntime
from slrt_shared.tokens import bearer, hash_token

UNAUTHENTICATED = ApiError(401, "unauthenticated", "A valid operator token is required.")


def router(runtime: ServiceRuntime) -> APIRouter:
    """Build the routes bound to a runtime."""
    api = APIRouter()

    def uow() -> IntakeUnitOfWork:
        return IntakeUnitOfWork(runtime.pool, runtime.layout)

    async def authenticate(unit: IntakeUnitOfWork, authorization: str | None) -> Caller:
        token = bearer(authorization)
        caller = await unit.caller(hash_token(token)) if token else None
        if caller is None:
            raise UNAUTHENTICATED
        return caller

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
        response: Response,
        idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
        authorization: Annotated[str | None, Header()] = None,
    ) -> ComplaintAccepted:
        if not idempotency_key:
            raise ApiError(400, "idempotency_key_required", "Send an Idempotency-Key header.")
        complaint = _to_domain(body)
        async with uow() as unit:
            caller = await authenticate(unit, authorization)
            if caller.kind != "operator" or caller.village_code != body.village_code:
                raise ApiError(403, "wrong_village", "You may register only for your village.")
            try:
                outcome = await register_complaint(
                    unit,
                    complaint,
                    operator=caller.token_hash,
                    idempotency_key=idempotency_key,
                    now=datetime.now(UTC),
                )
            except ComplaintRejectedError as exc:
                raise ApiError(
                    422,
                    "invalid_complaint",
                    "The complaint is not valid.",
                    [asdict(p) for p in exc.problems],
                ) from exc
            except IdempotencyConflictError as exc:
                raise ApiError(
                    409,
                    "idempotency_key_reused",
                    "This Idempotency-Key was used for a different request.",
                ) from exc
            await unit.commit()
        async with uow() as unit:
            row = await unit.complaint(outcome.complaint_id)
        assert row is not None
        if not outcome.created:
            response.status_code = 200
        return ComplaintAccepted(
            complaint_id=row["id"],
            ticket=row["ticket"],
            status=row["status"],
            received_at=row["received_at"],
        )

    @api.get(
        "/v1/complaints/{complaint_id}",
        response_model=ComplaintOut,
        tags=["complaints"],
        summary="A complaint, for its village's operator or district staff.",
    )
    async def get_complaint(
        complaint_id: UUID, authorization: Annotated[str | None, Header()] = None
    ) -> ComplaintOut:
        async with uow() as unit:
            caller = await authenticate(unit, authorization)
            row = await unit.complaint(complaint_id)
            allowed = row is not None and (
                (caller.kind == "operator" and caller.village_code == row["village_code"])
                or (
                    caller.kind == "district"
                    and row["village_code"].startswith(caller.regency_code + ".")
                )
            )
            if row is None or not allowed:
                raise ApiError(404, "not_found", "No such complaint.")
            timeline = await unit.timeline(complaint_id)
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
            resident=ResidentIn(
                nik=row["nik"], name=row["name"], phone=row["phone"], address=row["address"]
            ),
            timeline=[TimelineOut(**asdict(e)) for e in timeline],
        )

    @api.get(
        "/v1/track/{ticket}",
        response_model=TrackingOut,
        tags=["tracking"],
        summary="Public status and timeline of a complaint (no personal data).",
    )
    async def track(ticket: str) -> TrackingOut:
        async with uow() as unit:
            row = await unit.public_complaint(tickets.normalise(ticket))
            if row is None:
                raise ApiError(404, "not_found", "No complaint has this ticket.")
            timeline = await unit.timeline(row["id"])
        return TrackingOut(
            ticket=row["ticket"],
            status=row["status"],
            village=VillageOut(code=row["village_code"], name=row["village_name"]),
            needs=row["needs"],
            received_at=row["received_at"],
            closed_at=row["closed_at"],
            timeline=[TimelineOut(**asdict(e)) for e in timeline],
        )

    return api


def limit_body_size(app: FastAPI, max_bytes: int) -> None:
    """Refuse bodies over the limit and bodies that are not JSON, before parsing them."""

    @app.middleware("http")
    async def guard(request: Request, call_next):  # type: ignore[no-untyped-def]
        if request.method in {"POST", "PUT", "PATCH"} and request.url.path.startswith("/v1/"):
            from fastapi.responses import JSONResponse

            from slrt_shared.http import error_body

            length = request.headers.get("content-length")
            if length is not None and length.isdigit() and int(length) > max_bytes:
                return JSONResponse(
                    error_body("payload_too_large", f"The body exceeds {max_bytes} bytes."), 413
                )
            content_type = request.headers.get("content-type", "")
            if not content_type.split(";")[0].strip().endswith("json"):
                return JSONResponse(
                    error_body("unsupported_media_type", "Send the body as application/json."), 415
                )
        return await call_next(request)


def _to_domain(body: ComplaintIn) -> NewComplaint:
    resident = body.resident
    return NewComplaint(
        village_code=body.village_code,
        needs=tuple(body.needs),
        description=body.description,
        channel=body.channel,
        recorded_at=body.recorded_at,
        resident=Resident(
            nik=resident.nik.strip(),
            name=resident.name.strip(),
            phone=normalise_phone(resident.phone) if resident.phone else None,
            address=resident.address,
        ),
    )
