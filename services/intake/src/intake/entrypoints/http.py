"""Intake's HTTP API: operators register complaints; anyone with a ticket can track one."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, FastAPI, Header, Request, Response
from fastapi.responses import JSONResponse
from pydantic import ValidationError

from intake.adapters.repository import Caller, IntakeUnitOfWork
from intake.domain import tickets
from intake.domain.complaints import NewComplaint, Resident, normalise_phone
from intake.domain.disclosure import SPECIAL_NAME, is_special, tracked_needs
from intake.domain.idempotency import KeySource
from intake.domain.messages import message
from intake.domain.rate_limit import RateLimit
from intake.entrypoints.schemas import (
    BatchIn,
    BatchItemResult,
    BatchOut,
    ComplaintAccepted,
    ComplaintIn,
    ComplaintOut,
    ItemProblem,
    OfflineComplaintIn,
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
from slrt_shared import reference
from slrt_shared.http import ApiError, error_body, request_language
from slrt_shared.runtime import BackgroundJob, ServiceRuntime
from slrt_shared.tokens import bearer, hash_token

log = logging.getLogger(__name__)

UNAUTHENTICATED = ApiError(
    401,
    "unauthenticated",
    "A valid operator token is required.",
    message_id="Token operator yang sah diperlukan.",
)
PII_FIELDS = ["nik", "name", "phone", "address", "description"]
NOT_FOUND = ApiError(
    404, "not_found", "No such complaint.", message_id="Pengaduan tidak ditemukan."
)


async def authenticate(
    unit: IntakeUnitOfWork, authorization: str | None, limit: RateLimit | None = None
) -> Caller:
    """The operator or district staff member holding the bearer token; 401 or 429 otherwise."""
    token = bearer(authorization)
    caller = await unit.caller(hash_token(token)) if token else None
    if caller is None:
        raise UNAUTHENTICATED
    if limit is not None and limit.enabled:
        now = datetime.now(UTC)
        requests = await unit.count_request(caller.token_hash, limit.window(now))
        # Counted for good at once, refused requests included: hammering does not help.
        await unit.commit()
        if not limit.allows(requests):
            wait = limit.retry_after(now)
            raise ApiError(
                429,
                "rate_limited",
                f"Too many requests with this token: try again in {wait} seconds.",
                message_id=f"Terlalu banyak permintaan dengan token ini: coba lagi {wait} detik.",
                headers={"Retry-After": str(wait)},
            )
    return caller


async def register(
    runtime: ServiceRuntime,
    caller: Caller,
    body: ComplaintIn,
    key: str,
    language: str,
    fingerprint: str | None = None,
    source: KeySource = "header",
) -> tuple[bool, dict[str, Any]]:
    """Register one complaint for a caller; (created, complaint row). Raises ApiError.

    `key` is remembered for the complaint's village in the namespace of `source`.
    """
    if caller.kind != "operator" or caller.village_code != body.village_code:
        raise ApiError(
            403,
            "wrong_village",
            "You may register only for your own village.",
            message_id="Anda hanya dapat mencatat pengaduan untuk desa Anda.",
        )
    async with IntakeUnitOfWork(runtime.pool, runtime.layout) as unit:
        try:
            outcome = await register_complaint(
                unit,
                to_domain(body),
                operator=caller.token_hash,
                idempotency_key=key,
                now=datetime.now(UTC),
                source=source,
                fingerprint=fingerprint,
            )
        except ComplaintRejectedError as exc:
            details = [
                {"field": p.field, "code": p.code, "message": message(p.code, language)}
                for p in exc.problems
            ]
            raise ApiError(
                422,
                "invalid_complaint",
                "The complaint is not valid.",
                details,
                message_id="Pengaduan tidak sah.",
            ) from exc
        except IdempotencyConflictError as exc:
            raise ApiError(
                409,
                "idempotency_key_reused",
                "This Idempotency-Key was used for a different request.",
                message_id="Idempotency-Key ini sudah dipakai untuk permintaan lain.",
            ) from exc
        await unit.commit()
    async with IntakeUnitOfWork(runtime.pool, runtime.layout) as unit:
        row = await unit.complaint(outcome.complaint_id)
    assert row is not None
    if outcome.created:
        # Identifiers only: the log never carries the resident's data.
        log.info(
            "complaint %s registered as %s in village %s, needs %s",
            outcome.complaint_id,
            row["ticket"],
            body.village_code,
            ",".join(body.needs),
        )
    return outcome.created, row


def forget_closed_windows(runtime: ServiceRuntime, every: float = 300) -> BackgroundJob:
    """A job that drops request counts of windows closed a while ago."""

    async def job() -> None:
        while True:
            await asyncio.sleep(every)
            async with IntakeUnitOfWork(runtime.pool, runtime.layout) as unit:
                await unit.forget_windows_before(datetime.now(UTC) - timedelta(minutes=10))
                await unit.commit()

    return job


def rate_limit(runtime: ServiceRuntime) -> RateLimit:
    """The per-token request limit the service is configured with."""
    return RateLimit(getattr(runtime.settings, "rate_limit_per_minute", 0))


def accepted(row: dict[str, Any]) -> ComplaintAccepted:
    """The answer for a registered complaint."""
    return ComplaintAccepted(
        complaint_id=row["id"],
        ticket=row["ticket"],
        status=row["status"],
        received_at=row["received_at"],
        possible_duplicate_of=row["possible_duplicate_of"],
    )


def router(runtime: ServiceRuntime) -> APIRouter:
    """Build the routes bound to a runtime."""
    api = APIRouter()

    def uow() -> IntakeUnitOfWork:
        return IntakeUnitOfWork(runtime.pool, runtime.layout)

    # Dependencies run before the body is validated, so a stranger learns nothing of the schema.
    # They are given as defaults, not in Annotated: annotations here are strings that FastAPI
    # resolves in the module's globals, where these closures are not.
    async def signed_in(authorization: Annotated[str | None, Header()] = None) -> Caller:
        async with uow() as unit:
            return await authenticate(unit, authorization, rate_limit(runtime))

    async def required_key(
        idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
    ) -> str:
        if not idempotency_key:
            raise ApiError(
                400,
                "idempotency_key_required",
                "Send an Idempotency-Key header.",
                message_id="Sertakan header Idempotency-Key.",
            )
        return idempotency_key

    signed_in_caller, given_key = Depends(signed_in), Depends(required_key)

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
        created, row = await register(
            runtime, caller, body, idempotency_key, request_language(request)
        )
        if not created:
            response.status_code = 200
        return accepted(row)

    @api.post(
        "/v1/complaints/batch",
        response_model=BatchOut,
        tags=["complaints"],
        summary="Sync complaints recorded offline; a result per item; safe to resend.",
    )
    async def sync_batch(
        body: BatchIn, request: Request, caller: Caller = signed_in_caller
    ) -> BatchOut:
        language = request_language(request)
        results = []
        for raw in body.complaints:
            client_id = raw.get("client_id") if isinstance(raw.get("client_id"), str) else None
            try:
                item = OfflineComplaintIn.model_validate(raw)
                created, row = await register(
                    runtime, caller, item, item.client_id, language, source="batch"
                )
            except ValidationError as exc:
                results.append(
                    BatchItemResult(
                        client_id=client_id,
                        result="rejected",
                        errors=_schema_problems(exc, language),
                    )
                )
                continue
            except ApiError as exc:
                errors = [ItemProblem(**d) for d in exc.details or []] or [
                    ItemProblem(field="", code=exc.code, message=exc.text(language))
                ]
                results.append(
                    BatchItemResult(client_id=client_id, result="rejected", errors=errors)
                )
                continue
            results.append(
                BatchItemResult(
                    client_id=client_id,
                    result="created" if created else "existing",
                    complaint_id=row["id"],
                    ticket=row["ticket"],
                    possible_duplicate_of=row["possible_duplicate_of"],
                )
            )
        return BatchOut(results=results)

    @api.get(
        "/v1/complaints/{complaint_id}",
        response_model=ComplaintOut,
        tags=["complaints"],
        summary="A complaint, for its village's operator or district staff.",
    )
    async def get_complaint(complaint_id: UUID, caller: Caller = signed_in_caller) -> ComplaintOut:
        async with uow() as unit:
            row = await unit.complaint(complaint_id)
            allowed = row is not None and (
                (caller.kind == "operator" and caller.village_code == row["village_code"])
                or (
                    caller.kind == "district"
                    and row["village_code"].startswith(caller.regency_code + ".")
                )
            )
            if row is None or not allowed:
                raise NOT_FOUND
            timeline = await unit.timeline(complaint_id)
            erased = row["erased_at"] is not None
            if not erased:
                await unit.log_pii_read(caller.token_hash, complaint_id, PII_FIELDS)
            await unit.commit()
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
            resident=None
            if erased
            else ResidentIn(
                nik=row["nik"], name=row["name"], phone=row["phone"], address=row["address"]
            ),
            personal_data_erased=erased,
            erased_at=row["erased_at"],
            erasure_cause=row["erasure_cause"],
            timeline=[TimelineOut(**asdict(e)) for e in timeline],
        )

    @api.get(
        "/v1/track/{ticket}",
        response_model=TrackingOut,
        tags=["tracking"],
        summary="Public status and timeline of a complaint (no personal data).",
    )
    async def track(ticket: str, request: Request) -> TrackingOut:
        async with uow() as unit:
            row = await unit.public_complaint(tickets.normalise(ticket))
            if row is None:
                raise ApiError(
                    404,
                    "not_found",
                    "No complaint has this ticket.",
                    message_id="Tidak ada pengaduan dengan tiket ini.",
                )
            timeline = await unit.timeline(row["id"])
        catalogue = reference.services()
        levels = {code: s.pii_level for code, s in catalogue.items()}
        language = request_language(request)
        special = any(is_special(code, levels) for code in row["needs"])
        names = [
            SPECIAL_NAME.get(language, SPECIAL_NAME["en"])
            if is_special(code, levels)
            else (catalogue[code].name_id if language == "id" else catalogue[code].name_en)
            for code in row["needs"]
        ]
        entries = [TimelineOut(**asdict(e)) for e in timeline]
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
            timeline=entries,
        )

    return api


def _schema_problems(exc: ValidationError, language: str) -> list[ItemProblem]:
    problems = []
    for e in exc.errors():
        field = ".".join(str(p) for p in e.get("loc", ()))
        code = {"extra_forbidden": "unknown_field", "missing": "field_required"}.get(
            e["type"], "invalid_value"
        )
        text = {
            "unknown_field": ("Kolom ini tidak dikenal.", "This field is not allowed."),
            "field_required": ("Kolom ini wajib diisi.", "This field is required."),
        }.get(code, ("Nilai ini tidak sah.", "This value is not valid."))
        problems.append(
            ItemProblem(field=field, code=code, message=text[0] if language == "id" else text[1])
        )
    return problems


def limit_body_size(app: FastAPI, max_bytes: int) -> None:
    """Refuse bodies over the limit and JSON routes' bodies that are not JSON, before parsing."""

    @app.middleware("http")
    async def guard(request: Request, call_next):  # type: ignore[no-untyped-def]
        if request.method in {"POST", "PUT", "PATCH"}:
            language = request_language(request)
            length = request.headers.get("content-length")
            if length is not None and (not length.isdigit() or int(length) > max_bytes):
                text = (
                    f"Isi permintaan melebihi {max_bytes} bita."
                    if language == "id"
                    else f"The body exceeds {max_bytes} bytes."
                )
                return JSONResponse(error_body("payload_too_large", text), 413)
            content_type = request.headers.get("content-type", "").split(";")[0].strip()
            if request.url.path.startswith("/v1/") and not content_type.endswith("json"):
                text = (
                    "Kirim isi permintaan sebagai application/json."
                    if language == "id"
                    else "Send the body as application/json."
                )
                return JSONResponse(error_body("unsupported_media_type", text), 415)
        return await call_next(request)


def to_domain(body: ComplaintIn) -> NewComplaint:
    """Translate a request body into the domain's complaint."""
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
