"""Monitoring's error answers: each code with its text in Bahasa Indonesia and in English."""

from __future__ import annotations

from dataclasses import dataclass

from slrt_shared.http import ApiError


@dataclass(frozen=True)
class Message:
    """An error answer: status, code, and its text in both languages (`{name}` fills in)."""

    status: int
    code: str
    en: str
    id: str

    def error(self, **values: str) -> ApiError:
        """The error to raise, its texts filled in with `values`."""
        return ApiError(
            self.status,
            self.code,
            self.en.format(**values),
            message_id=self.id.format(**values),
        )


UNKNOWN_REGENCY = Message(
    404,
    "unknown_regency",
    "This regency is not served here.",
    "Kabupaten/kota ini tidak dilayani di sini.",
)
INVALID_PERIOD = Message(
    422,
    "invalid_period",
    "period is YYYY-MM, rolling-30d or all.",
    "period harus berupa YYYY-MM, rolling-30d atau all.",
)
INVALID_LEVEL = Message(
    422,
    "invalid_level",
    "level is one of {levels}.",
    "level harus salah satu dari {levels}.",
)
AGENCIES_NEED_A_REGENCY = Message(
    422,
    "invalid_level",
    "Agencies are ranked within a regency: name the regency.",
    "Dinas diperingkat di dalam satu kabupaten/kota: sebutkan kabupaten/kotanya.",
)
NO_SUCH_VILLAGE = Message(404, "not_found", "No such village.", "Desa/kelurahan tidak ditemukan.")
