"""Refusals of the rules as HTTP answers: the status of each code, the catalogue's two texts."""

from __future__ import annotations

from typing import Any

from referral.domain.errors import Message, Refusal
from referral.domain.holidays import CalendarError
from slrt_shared.http import ApiError

_STATUS = {
    "unauthenticated": 401,
    "forbidden": 403,
    "not_found": 404,
    "unknown_service": 404,
    "holiday_not_found": 404,
    "year_not_complete": 404,
    "holiday_exists": 409,
    "referral_closed": 409,
    "not_waiting": 409,
    "need_exists": 409,
    "already_held": 409,
    "not_held": 409,
}


def refused(exc: Refusal | CalendarError) -> ApiError:
    """The answer to a refused request (422 unless its code says otherwise)."""
    return ApiError(_STATUS.get(exc.code, 422), exc.code, exc.message, message_id=exc.message_id)


def answer(message: Message, **values: Any) -> ApiError:
    """The answer of a catalogue message."""
    return refused(Refusal(message, **values))
