"""Every error a service may answer, written into its OpenAPI document.

The handlers in slrt_shared.http answer every failure with the same JSON body; clients generated
from the document should know each status and that body, not FastAPI's default 422 model.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
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


@dataclass(frozen=True)
class ErrorAnswer:
    """An error body as a group of paths writes it: its schema's name, the schema, other media."""

    name: str
    schema: dict[str, Any]
    other_media: dict[str, dict[str, Any]] = field(default_factory=dict)

    def content(self) -> dict[str, Any]:
        """The `content` of a response carrying this error body."""
        json = {"application/json": {"schema": {"$ref": f"#/components/schemas/{self.name}"}}}
        return json | {media: {"schema": schema} for media, schema in self.other_media.items()}


ERROR_BODY = ErrorAnswer("ErrorBody", ERROR_SCHEMA)


def with_errors(
    schema: dict[str, Any], answers: Mapping[str, ErrorAnswer] | None = None
) -> dict[str, Any]:
    """The schema with the error answers added to every operation.

    `answers` maps a path prefix to the error body its paths answer with instead of ErrorBody.
    """
    answers = answers or {}
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    for answer in (ERROR_BODY, *answers.values()):
        components[answer.name] = answer.schema
    for path, operations in schema.get("paths", {}).items():
        if path in FIXED:
            continue
        answer = next((a for p, a in answers.items() if path.startswith(p)), ERROR_BODY)
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
                        "content": answer.content(),
                    }
    components.pop("HTTPValidationError", None)
    components.pop("ValidationError", None)
    return schema


def document_errors(app: FastAPI, answers: Mapping[str, ErrorAnswer] | None = None) -> None:
    """Make the app's /openapi.json list the error answers of every operation."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = with_errors(generate(), answers)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
