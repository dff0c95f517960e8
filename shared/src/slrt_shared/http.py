"""HTTP defaults every service exposes: health, readiness, metrics and coded JSON errors."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Collection
from contextlib import AsyncExitStack
from typing import Any

import asyncpg
from fastapi import FastAPI, Request
from fastapi.dependencies.utils import solve_dependencies
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.routing import APIRoute
from prometheus_client import CONTENT_TYPE_LATEST, Counter, Histogram, generate_latest
from starlette.exceptions import HTTPException as StarletteHTTPException

from slrt_shared.request_guard import DEFAULT_MAX_BODY, RequestGuard

log = logging.getLogger(__name__)

REQUESTS = Counter("slrt_http_requests_total", "HTTP requests", ["method", "route", "status"])
LATENCY = Histogram("slrt_http_request_seconds", "HTTP request latency", ["method", "route"])

ReadinessCheck = Callable[[], Awaitable[None]]
ReadinessDetails = Callable[[], dict[str, Any]]

_STATUS_CODES = {
    400: "bad_request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_failed",
    429: "rate_limited",
}


LANGUAGES = ("id", "en")

# Messages of request errors every service answers, in English and Bahasa Indonesia.
_REQUEST_ERRORS: dict[str, tuple[str, str, str]] = {  # pydantic type -> code, en, id
    "json_invalid": (
        "malformed_json",
        "The body is not valid JSON.",
        "Isi permintaan bukan JSON yang sah.",
    ),
    "extra_forbidden": ("unknown_field", "This field is not allowed.", "Kolom ini tidak dikenal."),
    "missing": ("field_required", "This field is required.", "Kolom ini wajib diisi."),
    "model_attributes_type": (
        "invalid_type",
        "Expected a JSON object.",
        "Seharusnya berupa objek JSON.",
    ),
}
_INVALID_VALUE = ("invalid_value", "This value is not valid.", "Nilai ini tidak sah.")
_GENERIC = {
    "validation_failed": ("The request is not valid.", "Permintaan tidak sah."),
    "internal_error": ("Internal error.", "Terjadi kesalahan internal."),
    "temporarily_unavailable": (
        "The database is briefly unavailable; nothing was saved. Try again shortly.",
        "Basis data sedang tidak tersedia sebentar; tidak ada yang tersimpan. Coba lagi sebentar"
        " lagi.",
    ),
}

# Postgres failing for a moment (a failover, a restart, a full pool, a lock wait cut short):
# the request was rolled back, and the same request sent again will succeed.
_UNAVAILABLE: tuple[type[Exception], ...] = (
    OSError,
    asyncpg.InterfaceError,
    # a pooled connection cut mid-operation by the failover, found out by its next user
    asyncpg.InternalClientError,
    asyncpg.PostgresConnectionError,
    asyncpg.CannotConnectNowError,
    asyncpg.AdminShutdownError,
    asyncpg.TooManyConnectionsError,
    asyncpg.ReadOnlySQLTransactionError,
    asyncpg.QueryCanceledError,
    asyncpg.LockNotAvailableError,
    asyncpg.SerializationError,
    asyncpg.DeadlockDetectedError,
    asyncpg.DiskFullError,
    asyncpg.OutOfMemoryError,
)
RETRY_AFTER_SECONDS = 2


def preferred_language(accept_language: str | None, default: str) -> str:
    """Pick 'id' or 'en' from an Accept-Language header, else the service's default."""
    best, best_q = default, 0.0
    for part in (accept_language or "").split(","):
        tag, _, params = part.strip().partition(";")
        primary = tag.strip().lower().split("-")[0]
        primary = "id" if primary == "in" else primary
        try:
            q = float(params.strip()[2:]) if params.strip().startswith("q=") else 1.0
        except ValueError:
            q = 0.0
        if primary in LANGUAGES and q > best_q:
            best, best_q = primary, q
    return best


class ApiError(Exception):
    """An error answered as JSON with a machine-readable code, in English or Indonesian."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        details: Any | None = None,
        *,
        message_id: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.headers = headers or {}
        self.status = status
        self.code = code
        self.message = message
        self.message_id = message_id
        self.details = details

    def text(self, language: str) -> str:
        """The message in a language (English when there is no Indonesian one)."""
        return self.message_id if language == "id" and self.message_id else self.message


def error_body(code: str, message: str, details: Any | None = None) -> dict[str, Any]:
    """Build the JSON body of an error."""
    body: dict[str, Any] = {"code": code, "message": message}
    if details is not None:
        body["details"] = details
    return {"error": body}


async def _run_dependencies(request: Request) -> None:
    """Solve the matched route's dependencies without its body (their refusals raise)."""
    route = request.scope.get("route")
    if not isinstance(route, APIRoute):
        return
    async with AsyncExitStack() as stack:
        await solve_dependencies(
            request=request,
            dependant=route.dependant,
            body=None,
            dependency_overrides_provider=route.dependency_overrides_provider,
            async_exit_stack=stack,
            embed_body_fields=route._embed_body_fields,
        )


def request_language(request: Request) -> str:
    """The language to answer a request in."""
    default = getattr(request.app.state, "default_language", "id")
    return preferred_language(request.headers.get("accept-language"), default)


def observe_request(method: str, route: str, status: int, seconds: float) -> None:
    """Count and time one answered request by method, route template and status."""
    LATENCY.labels(method, route).observe(seconds)
    REQUESTS.labels(method, route, str(status)).inc()


def add_service_defaults(
    app: FastAPI,
    checks: dict[str, ReadinessCheck],
    default_language: str = "id",
    max_body_bytes: int = DEFAULT_MAX_BODY,
    *,
    required: Collection[str] | None = None,
    details: ReadinessDetails | None = None,
) -> None:
    """Add /healthz, /readyz, /metrics, request metrics and JSON error handlers to an app.

    /readyz runs every check and reports each; it answers 503 only when one of `required`
    (every check when None) fails. `details` adds what else the body should show.
    """
    needed = list(checks) if required is None else list(required)
    unknown = set(needed) - set(checks)
    if unknown:
        raise ValueError(f"readiness requires unknown checks: {sorted(unknown)}")
    app.state.default_language = default_language
    app.add_middleware(
        RequestGuard,
        language=lambda header: preferred_language(header, default_language),
        max_body=max_body_bytes,
        observe=observe_request,
    )

    @app.get("/healthz", tags=["operations"], summary="The process is alive.")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get(
        "/readyz",
        tags=["operations"],
        summary="The service can serve its API: the dependencies it requires answer.",
        description="Every check is reported under `checks`; those under `required` decide.",
        responses={503: {"description": "A dependency the service requires does not answer."}},
    )
    async def readyz() -> JSONResponse:
        async def run(check: ReadinessCheck) -> str:
            try:
                await asyncio.wait_for(check(), timeout=3)
            except Exception as exc:  # noqa: BLE001 - any failure means unavailable
                return f"unavailable: {type(exc).__name__}"
            return "ok"

        # side by side: a dependency that hangs must not push the answer past the probe's timeout
        outcomes = await asyncio.gather(*(run(check) for check in checks.values()))
        results = dict(zip(checks, outcomes, strict=True))
        ready = all(results[name] == "ok" for name in needed)
        body: dict[str, Any] = {
            "status": "ready" if ready else "not_ready",
            "checks": results,
            "required": needed,
        }
        if details is not None:
            body.update(details())
        return JSONResponse(body, status_code=200 if ready else 503)

    @app.get(
        "/metrics",
        tags=["operations"],
        summary="Prometheus metrics.",
        response_class=Response,
        responses={200: {"content": {"text/plain": {"schema": {"type": "string"}}}}},
    )
    async def metrics() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    @app.exception_handler(ApiError)
    async def api_error(request: Request, exc: ApiError) -> JSONResponse:
        body = error_body(exc.code, exc.text(request_language(request)), exc.details)
        return JSONResponse(body, exc.status, headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        if any(e.get("type") == "json_invalid" for e in exc.errors()):
            # The framework reads a body that is not JSON before the route's dependencies run;
            # the caller is authenticated first all the same, as for any other bad body.
            try:
                await _run_dependencies(request)
            except ApiError as refused:
                return await api_error(request, refused)
            except StarletteHTTPException as refused:
                return await http_error(request, refused)
        language = request_language(request)
        details = []
        for e in exc.errors():
            code, en, id_ = _REQUEST_ERRORS.get(str(e.get("type")), _INVALID_VALUE)
            loc = [str(part) for part in e.get("loc", ()) if part not in ("body", "query")]
            details.append(
                {
                    "field": ".".join(loc),
                    "code": code,
                    "message": id_ if language == "id" else en,
                    "detail": str(e.get("msg", "")),
                }
            )
        malformed = any(d["code"] == "malformed_json" for d in details)
        code = "malformed_json" if malformed else "validation_failed"
        en, id_ = (
            _REQUEST_ERRORS["json_invalid"][1:] if malformed else _GENERIC["validation_failed"]
        )
        return JSONResponse(
            error_body(code, id_ if language == "id" else en, details),
            422 if not malformed else 400,
        )

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = _STATUS_CODES.get(exc.status_code, "http_error")
        return JSONResponse(error_body(code, str(exc.detail)), exc.status_code, headers=exc.headers)

    async def unavailable(request: Request, exc: Exception) -> JSONResponse:
        log.warning("database unavailable, answered 503: %s", type(exc).__name__)
        en, id_ = _GENERIC["temporarily_unavailable"]
        return JSONResponse(
            error_body("temporarily_unavailable", id_ if request_language(request) == "id" else en),
            503,
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        )

    # Handled by class, inside the middleware: an answer like any other, not a server error.
    for error in _UNAVAILABLE:
        app.add_exception_handler(error, unavailable)

    @app.exception_handler(Exception)
    async def unexpected(_: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error", exc_info=exc)
        en, id_ = _GENERIC["internal_error"]
        message = id_ if request_language(_) == "id" else en
        return JSONResponse(error_body("internal_error", message), 500)
