"""The gateway's HTTP error answers: each code with its status and its two texts.

Bahasa Indonesia is the default; English is answered to `Accept-Language: en`. The texts of
refusals decided by the domain (an action's rules, the webhook URL rule, a subject request)
come from the domain's errors with the refusal itself.
"""

from __future__ import annotations

from typing import Any, Final

from slrt_shared.http import ApiError

# code -> (HTTP status, Bahasa Indonesia, English)
MESSAGES: Final[dict[str, tuple[int, str, str]]] = {
    "unauthenticated": (
        401,
        "Diperlukan kunci instansi yang sah.",
        "A valid agency key is required.",
    ),
    "admin_required": (401, "Token admin diperlukan.", "The admin token is required."),
    "not_found": (404, "Rujukan tidak ditemukan.", "No such referral."),
    "invalid_cursor": (400, "Kursor tidak sah.", "The cursor is not valid."),
    "idempotency_key_required": (
        400,
        "Sertakan header Idempotency-Key.",
        "Send an Idempotency-Key header.",
    ),
    "idempotency_key_reused": (
        409,
        "Idempotency-Key ini sudah dipakai untuk permintaan lain.",
        "This Idempotency-Key was used for a different request.",
    ),
    "no_webhook": (404, "Belum ada webhook yang terdaftar.", "No webhook is registered."),
    "no_parked_delivery": (
        404,
        "Tidak ada pengiriman tertahan dengan id ini.",
        "No parked delivery with this id.",
    ),
    "delivery_purged": (
        410,
        "Isi pengiriman ini sudah dihapus setelah masa simpannya; baca rujukannya melalui API.",
        "This delivery's payload was purged after the retention period;"
        " read the referral from the API instead.",
    ),
}

# Entries whose answered code is not their key (two answers share a code, told apart by text).
_ANSWERED_AS: Final[dict[str, str]] = {
    "admin_required": "unauthenticated",
    "no_webhook": "not_found",
    "no_parked_delivery": "not_found",
}


def api_error(entry: str, details: Any | None = None) -> ApiError:
    """The coded error answer of a catalogue entry, in both languages."""
    status, text_id, text_en = MESSAGES[entry]
    return ApiError(status, _ANSWERED_AS.get(entry, entry), text_en, details, message_id=text_id)
