"""Monitoring's message catalogue: each error code with its text in Bahasa Indonesia and English.

The HTTP status each is answered with is the API's business (`entrypoints/errors.py`).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Message:
    """A coded error text in both languages (`{name}` fills in)."""

    code: str
    en: str
    id: str

    def texts(self, **values: str) -> tuple[str, str]:
        """The texts filled in with `values`: (Bahasa Indonesia, English)."""
        return self.id.format(**values), self.en.format(**values)


UNKNOWN_REGENCY = Message(
    "unknown_regency",
    "This regency is not served here.",
    "Kabupaten/kota ini tidak dilayani di sini.",
)
INVALID_PERIOD = Message(
    "invalid_period",
    "period is YYYY-MM, rolling-30d or all.",
    "period harus berupa YYYY-MM, rolling-30d atau all.",
)
INVALID_LEVEL = Message(
    "invalid_level",
    "level is one of {levels}.",
    "level harus salah satu dari {levels}.",
)
AGENCIES_NEED_A_REGENCY = Message(
    "invalid_level",
    "Agencies are ranked within a regency: name the regency.",
    "Dinas diperingkat di dalam satu kabupaten/kota: sebutkan kabupaten/kotanya.",
)
NO_SUCH_VILLAGE = Message("not_found", "No such village.", "Desa/kelurahan tidak ditemukan.")
INVALID_MEASURE = Message(
    "invalid_measure",
    "measure is one of {measures}.",
    "measure harus salah satu dari {measures}.",
)
MONTH_NEEDED = Message(
    "invalid_period",
    "A bulletin is of one month: period is YYYY-MM.",
    "Buletin dibuat per bulan: period harus berupa YYYY-MM.",
)
PDF_UNAVAILABLE = Message(
    "pdf_unavailable",
    "No PDF renderer here (MONITORING_PDF_CHROMIUM names no Chromium); print the bulletin page.",
    "Pencetak PDF tidak tersedia di sini (MONITORING_PDF_CHROMIUM tidak menunjuk Chromium); "
    "cetak halaman buletin.",
)
PDF_FAILED = Message(
    "pdf_failed",
    "The PDF could not be made; try again or print the bulletin page.",
    "PDF gagal dibuat; coba lagi atau cetak halaman buletin.",
)
NO_MAP = Message(
    "not_found",
    "No map of this regency: its village boundaries are not in the reference data.",
    "Peta kabupaten ini tidak ada: batas desanya belum ada di data rujukan.",
)
INVALID_YEAR = Message(
    "invalid_year",
    "year is a year from {first} to {last}.",
    "year harus tahun antara {first} dan {last}.",
)
