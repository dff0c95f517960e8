"""What the Puskesos desk app is told and checks: a NIK read back, the app's files and headers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import PurePosixPath
from typing import Final

from intake.domain import nik

# Every code a complaint can be refused with: the form shows these texts, as intake answers them.
COMPLAINT_CODES: Final = (
    "unknown_village",
    "needs_required",
    "duplicate_need",
    "unknown_service",
    "description_required",
    "description_too_long",
    "unknown_channel",
    "timezone_required",
    "recorded_in_future",
    "invalid_nik",
    "nik_unknown_region",
    "nik_invalid_birth_date",
    "nik_dummy",
    "name_required",
    "invalid_phone",
    "unauthenticated",
    "idempotency_key_reused",
    "wrong_village",
)

# What the operator picks as channel at a desk (open311 and offline_sync are set by the system).
DESK_CHANNELS: Final = ("walk_in", "phone", "home_visit", "outreach")

# The app's files: content type, and whether a browser may keep them without asking again.
CONTENT_TYPES: Final = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
    ".webmanifest": "application/manifest+json",
    ".png": "image/png",
}

# Nothing from any other origin: scripts, styles, images, fonts, connections, frames.
CONTENT_SECURITY_POLICY: Final = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "font-src 'self'; connect-src 'self'; worker-src 'self'; manifest-src 'self'; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)


@dataclass(frozen=True)
class NikReading:
    """What a plausible NIK says: its kecamatan code, the birth date and the sex."""

    kecamatan_code: str
    birth_date: date
    female: bool


def read_nik(value: str, today: date) -> NikReading | None:
    """The NIK's kecamatan, birth date (the century that is not in the future) and sex."""
    if len(value) != 16 or not (value.isascii() and value.isdigit()):
        return None
    found = nik.facts(value)
    if found is None:
        return None
    for century in (2000, 1900):
        year = century + found.birth_year_2_digits
        try:
            born = date(year, found.birth_month, found.birth_day)
        except ValueError:
            continue
        if born <= today:
            return NikReading(found.kecamatan_code, born, found.female)
    return None


def content_type(name: str) -> str | None:
    """The content type of one of the app's files by its name; None for a name it never serves."""
    path = PurePosixPath(name)
    if name != path.name or name.startswith("."):
        return None  # no folders, no hidden files
    return CONTENT_TYPES.get(path.suffix)


def cache_control(name: str) -> str:
    """How long a browser keeps a file: the service worker and the page are always asked again
    (so a new version is seen at once), the rest revalidated by their ETag."""
    if name in {"sw.js", "index.html", "manifest.webmanifest"}:
        return "no-cache, must-revalidate"
    return "no-cache"
