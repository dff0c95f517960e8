"""Every error a service may answer, written into its OpenAPI document.

The handlers in slrt_shared.http answer every failure with the same JSON body; clients generated
from the document should know each status and that body, not FastAPI's default 422 model.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

ERROR_SCHEMA: dict[str, Any] = {
    "title": "ErrorBody",
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {
                "code": {"type": "string", "description": "Machine-readable error code."},
                "message": {"type": "string", "description": "In Bahasa Indonesia or English."},
                "details": {"description": "Per-field problems, when there are any."},
            },
        }
    },
}
OPEN311_ERROR_SCHEMA: dict[str, Any] = {
    "title": "Open311Errors",
    "type": "array",
    "items": {
        "type": "object",
        "required": ["code", "description"],
        "properties": {"code": {"type": "integer"}, "description": {"type": "string"}},
    },
}
ANY_REQUEST = {
    400: "Malformed request.",
    401: "Missing, unknown or revoked credentials.",
    403: "The credentials do not allow this.",
    404: "No such resource (or not yours).",
    422: "The request is not valid; details per field.",
    429: "Too many requests; see Retry-After.",
    503: "The database is briefly unavailable (a failover or restart); nothing was saved, send"
    " the same request again after Retry-After.",
}
WITH_BODY = {
    409: "Conflicts with the current state or a reused Idempotency-Key.",
    413: "The body is too large.",
    415: "The body must be JSON.",
}
FIXED = {"/healthz", "/readyz", "/metrics"}


def _content(path: str) -> dict[str, Any]:
    if path.startswith("/open311/"):
        return {
            "application/json": {"schema": {"$ref": "#/components/schemas/Open311Errors"}},
            "text/xml": {"schema": {"type": "string"}},
        }
    return {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}}


def with_errors(schema: dict[str, Any]) -> dict[str, Any]:
    """The schema with the shared error answers added to every operation."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components["ErrorBody"] = ERROR_SCHEMA
    components["Open311Errors"] = OPEN311_ERROR_SCHEMA
    for path, operations in schema.get("paths", {}).items():
        if path in FIXED:
            continue
        for method, operation in operations.items():
            statuses = dict(ANY_REQUEST)
            if method in ("post", "put", "patch"):
                statuses.update(WITH_BODY)
            responses = operation.setdefault("responses", {})
            for status, description in statuses.items():
                declared = responses.get(str(status))
                default_422 = (
                    status == 422
                    and declared is not None
                    and "HTTPValidationError" in (str(declared))
                )
                if declared is None or default_422:
                    responses[str(status)] = {
                        "description": description,
                        "content": _content(path),
                    }
    components.pop("HTTPValidationError", None)
    components.pop("ValidationError", None)
    return schema


def document_errors(app: FastAPI) -> None:
    """Make the app's /openapi.json list the shared error answers of every operation."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = with_errors(generate())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
