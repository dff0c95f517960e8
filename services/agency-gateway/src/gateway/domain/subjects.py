"""A resident's access request to what the gateway holds: by NIK, logged by its keyed hash."""

from __future__ import annotations

import hashlib
import hmac
import re
from typing import Final

from gateway.domain.errors import text

_NIK: Final = re.compile(r"^\d{16}$")


class SubjectRequestError(ValueError):
    """A request about a resident that cannot be answered; `code` says why."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code

    def text(self, language: str) -> str:
        """The message in Bahasa Indonesia (`id`) or English."""
        return text(self.code, language)


def normalised_nik(nik: str | None) -> str:
    """The NIK without surrounding blanks; raises SubjectRequestError unless 16 digits."""
    value = (nik or "").strip()
    if not _NIK.match(value):
        raise SubjectRequestError("invalid_nik")
    return value


def nik_hash(key: str, nik: str) -> str:
    """The keyed hash (HMAC-SHA256, hex) under which an export about a NIK is recorded."""
    if not key:
        raise SubjectRequestError("subject_key_missing")
    return hmac.new(key.encode(), nik.encode(), hashlib.sha256).hexdigest()
