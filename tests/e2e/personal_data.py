"""A resident whose data the personal-data scans look for, and how they look for it."""

from __future__ import annotations

import re
from collections.abc import Iterable

from intake.domain import nik

RESIDENT = {
    "nik": "3215084507910006",
    "name": "Kartini Wulandari",
    "phone": "081298765432",
    "address": "Blok Teratai-77 RT 03/RW 05",
}
SECRETS = [
    RESIDENT["nik"],
    "Kartini",
    "Wulandari",
    RESIDENT["phone"],
    RESIDENT["phone"][1:],
    "Teratai-77",
    "penyandang disabilitas netra",
]
NIK_LIKE = re.compile(r"(?<![\d.])\d{16}(?![\d.])")
# A span id is 16 hex digits, all of them decimal in about one span of 1,800: not a NIK.
TRACE_IDS = re.compile(r'"(?:trace_id|span_id)": "[0-9a-f]+"|\b00-[0-9a-f]{32}-[0-9a-f]{16}-\d\d\b')


def plausible_niks(text: str) -> list[str]:
    """Every 16-digit run that a real NIK could be (province, region and birth date valid)."""
    return [
        m.group()
        for m in NIK_LIKE.finditer(TRACE_IDS.sub("", text))
        if nik.problem(m.group(), frozenset(), frozenset()) in (None, "nik_dummy")
    ]


def leaks(text: str, secrets: Iterable[str] = SECRETS) -> list[str]:
    """What of the secrets, and which plausible NIKs, the text holds (empty: nothing)."""
    found = [f"{secret!r}" for secret in secrets if secret in text]
    return found + [f"NIK-like {number}" for number in plausible_niks(text)]
