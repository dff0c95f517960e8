"""Intake's coded HTTP errors, their texts from the catalogue `domain.errors`.

Each refusal of a use case becomes one answer here, the same whichever door (the JSON API,
Open311) it came through.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from intake.domain.complaints import Problem
from intake.domain.errors import message, texts
from intake.service_layer.authentication import RateLimitedError
from intake.service_layer.registration import ComplaintRejectedError
from slrt_shared.http import ApiError

SUBJECT_STATUS = {
    "invalid_nik": 422,
    "reason_required": 422,
    "reason_too_long": 422,
    "reason_contains_nik": 422,
    "requester_required": 422,
    "nothing_held": 404,
    "district_staff_only": 403,
    "subject_key_missing": 503,
}

PROGRAMME_STATUS = {
    "household_already_graduated": 409,
    "graduation_already_open": 409,
    "operator_only": 403,
    "outside_regency": 403,
    "target_not_found": 404,
    "household_key_missing": 503,
}


def api_error(
    status: int,
    code: str,
    *,
    text: str | None = None,
    details: Any | None = None,
    headers: dict[str, str] | None = None,
    **values: object,
) -> ApiError:
    """The ApiError of `code`, saying the catalogue's `text` (the code's own by default)."""
    indonesian, english = texts(text or code, **values)
    return ApiError(status, code, english, details, message_id=indonesian, headers=headers)


UNAUTHENTICATED = api_error(401, "unauthenticated")
# GeoReport v2 answers a key that is given but not valid with 403 (none at all stays a 401).
INVALID_API_KEY = api_error(403, "invalid_api_key")
IDEMPOTENCY_KEY_REQUIRED = api_error(400, "idempotency_key_required")
IDEMPOTENCY_KEY_REUSED = api_error(409, "idempotency_key_reused")
WRONG_VILLAGE = api_error(403, "wrong_village")
COMPLAINT_NOT_FOUND = api_error(404, "not_found", text="complaint_not_found")
TICKET_NOT_FOUND = api_error(404, "not_found", text="ticket_not_found")


WRONG_RESIDENT_CODE = api_error(403, "wrong_resident_code")
# The refusals of a reopening or a verdict: who may not (403), the complaint's state (409), the
# request itself (422).
AFTER_CLOSING_STATUS = {
    "other_village_operator": 403,
    "complaint_not_closed": 409,
    "already_reopened": 409,
    "reopen_window_passed": 409,
    "nothing_to_reopen": 409,
    "unknown_reopen_reason": 422,
    "unknown_reopen_scope": 422,
    "note_too_long": 422,
    "unknown_solved": 422,
    "rating_out_of_range": 422,
    "comment_too_long": 422,
}


def after_closing_refusal(code: str) -> ApiError:
    """A reopening or a verdict that may not be given."""
    return api_error(AFTER_CLOSING_STATUS[code], code)


def rate_limited(exc: RateLimitedError) -> ApiError:
    """Too many requests with one token: when to try again."""
    headers = {"Retry-After": str(exc.wait)}
    return api_error(429, "rate_limited", headers=headers, wait=exc.wait)


def invalid_complaint(exc: ComplaintRejectedError, language: str) -> ApiError:
    """The complaint's problems, each with its field, code and message in `language`."""
    details = [
        {"field": p.field, "code": p.code, "message": message(p.code, language)}
        for p in exc.problems
    ]
    return api_error(422, "invalid_complaint", details=details)


def invalid_query(problems: Sequence[Problem], language: str) -> ApiError:
    """The list request's parameters that are not valid, each with its code and message."""
    details = [
        {"field": p.field, "code": p.code, "message": message(p.code, language)} for p in problems
    ]
    return api_error(422, "invalid_query", details=details)


def subject_refusal(code: str, details: Any | None = None) -> ApiError:
    """A resident's access or erasure request that cannot be answered."""
    return api_error(SUBJECT_STATUS[code], code, details=details)


def programme_refusal(code: str, field: str) -> ApiError:
    """A programme request refused: 422 with the field for its data, else its own status."""
    details = [{"field": field, "code": code}] if field else None
    return api_error(PROGRAMME_STATUS.get(code, 422), code, details=details)
