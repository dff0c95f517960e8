"""The gateway's HTTP error answers: the status of each code of the message catalogue.

The words are in `domain/errors.py` (Bahasa Indonesia by default, English to
`Accept-Language: en`); here only what the API answers with them.
"""

from __future__ import annotations

from typing import Any, Final

from gateway.domain.errors import texts
from slrt_shared.http import ApiError

# catalogue entry -> (HTTP status, the code answered)
ANSWERS: Final[dict[str, tuple[int, str]]] = {
    "unauthenticated": (401, "unauthenticated"),
    "admin_required": (401, "unauthenticated"),
    "role_forbidden": (403, "forbidden"),
    "no_staff_account": (404, "not_found"),
    "not_found": (404, "not_found"),
    "not_found_page": (404, "not_found"),
    "invalid_cursor": (400, "invalid_cursor"),
    "idempotency_key_reused": (409, "idempotency_key_reused"),
    "invalid_transition": (409, "invalid_transition"),
    "referral_withdrawn": (409, "referral_withdrawn"),
    "no_webhook": (404, "not_found"),
    "no_parked_delivery": (404, "not_found"),
    "delivery_purged": (410, "delivery_purged"),
    "invalid_nik": (422, "invalid_nik"),
    "requester_required": (422, "requester_required"),
    "nothing_held": (404, "nothing_held"),
    "subject_key_missing": (503, "subject_key_missing"),
}
# Any other entry is a refusal of the request's content.
_REFUSED = 422


def status_of(entry: str) -> int:
    """The HTTP status a catalogue entry is answered with."""
    return ANSWERS.get(entry, (_REFUSED, entry))[0]


def api_error(entry: str, details: Any | None = None, **values: str) -> ApiError:
    """The coded error answer of a catalogue entry, in both languages."""
    status, code = ANSWERS.get(entry, (_REFUSED, entry))
    text_id, text_en = texts(entry, **values)
    return ApiError(status, code, text_en, details, message_id=text_id)
