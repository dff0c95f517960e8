"""A resident's rights over the data held about them: access (export) and erasure by NIK.

Requests are recorded under a keyed hash of the NIK, never the NIK itself: the record must
outlive the data it is about and still answer "was this NIK erased, when, by whom".
"""

from __future__ import annotations

import hashlib
import hmac
import re
from typing import Final, Literal

Action = Literal["export", "erase"]
Via = Literal["api", "cli"]

_NIK: Final = re.compile(r"^\d{16}$")
MAX_REASON: Final = 500


class SubjectRequestError(ValueError):
    """A request about a resident that cannot be answered; `code` says why."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code

    def text(self, language: str) -> str:
        """The message in Bahasa Indonesia (`id`) or English."""
        # imported here: the catalogue imports this module for MAX_REASON
        from intake.domain.errors import message

        return message(self.code, language)


def normalised_nik(nik: str | None) -> str:
    """The NIK without surrounding blanks; raises SubjectRequestError unless 16 digits."""
    value = (nik or "").strip()
    if not _NIK.match(value):
        raise SubjectRequestError("invalid_nik")
    return value


def erasure_reason(reason: str | None, nik: str) -> str:
    """The reason of an erasure, stripped; raises SubjectRequestError when it cannot be kept.

    The reason is kept for good, so it may not carry the NIK whose data it erases.
    """
    value = (reason or "").strip()
    if not value:
        raise SubjectRequestError("reason_required")
    if len(value) > MAX_REASON:
        raise SubjectRequestError("reason_too_long")
    if nik in re.sub(r"\D", "", value):
        raise SubjectRequestError("reason_contains_nik")
    return value


def nik_hash(key: str, nik: str) -> str:
    """The keyed hash (HMAC-SHA256, hex) under which requests about a NIK are recorded."""
    if not key:
        raise SubjectRequestError("subject_key_missing")
    return hmac.new(key.encode(), nik.encode(), hashlib.sha256).hexdigest()
