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

# code -> (Bahasa Indonesia, English)
MESSAGES: Final[dict[str, tuple[str, str]]] = {
    "invalid_nik": ("NIK harus terdiri dari 16 angka.", "A NIK has exactly 16 digits."),
    "reason_required": (
        "Sebutkan alasan penghapusan (misalnya permintaan warga dan tanggalnya).",
        "Give the reason for the erasure (e.g. the resident's request and its date).",
    ),
    "reason_too_long": (
        f"Alasan paling banyak {MAX_REASON} karakter.",
        f"The reason has at most {MAX_REASON} characters.",
    ),
    "reason_contains_nik": (
        "Alasan tidak boleh memuat NIK: alasan disimpan selamanya, NIK tidak.",
        "The reason may not contain the NIK: the reason is kept for good, the NIK is not.",
    ),
    "requester_required": (
        "Sebutkan siapa yang menjalankan permintaan ini.",
        "Say who carries out this request.",
    ),
    "nothing_held": (
        "Tidak ada data pribadi yang disimpan untuk NIK ini.",
        "No personal data is held for this NIK.",
    ),
    "district_staff_only": (
        "Hanya staf kabupaten yang dapat menjawab permintaan akses atau penghapusan data.",
        "Only district staff can answer access and erasure requests.",
    ),
    "subject_key_missing": (
        "Kunci hash subjek (INTAKE_SUBJECT_HASH_KEY) belum disetel.",
        "The subject hash key (INTAKE_SUBJECT_HASH_KEY) is not configured.",
    ),
}


class SubjectRequestError(ValueError):
    """A request about a resident that cannot be answered; `code` says why."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code

    def text(self, language: str) -> str:
        """The message in Bahasa Indonesia (`id`) or English."""
        id_, en = MESSAGES[self.code]
        return id_ if language == "id" else en


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
