"""The NIK (Nomor Induk Kependudukan): PP KK CC DDMMYY SSSS, checked for structure and sense."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from itertools import pairwise

_DIGITS = re.compile(r"^\d{16}$")

# Kemendagri province codes, including the four Papua provinces created in 2022.
PROVINCES = frozenset(
    {
        "11", "12", "13", "14", "15", "16", "17", "18", "19", "21",
        "31", "32", "33", "34", "35", "36",
        "51", "52", "53",
        "61", "62", "63", "64", "65",
        "71", "72", "73", "74", "75", "76",
        "81", "82",
        "91", "92", "93", "94", "95", "96",
    }
)  # fmt: skip


@dataclass(frozen=True)
class NikFacts:
    """What a valid NIK says about its holder."""

    kecamatan_code: str
    birth_day: int
    birth_month: int
    birth_year_2_digits: int
    female: bool


def problem(
    nik: str, known_kecamatan: frozenset[str], known_regencies: frozenset[str]
) -> str | None:
    """The code of what is wrong with a NIK, or None when it is plausible."""
    if not _DIGITS.match(nik):
        return "invalid_nik"
    if _looks_dummy(nik):
        return "nik_dummy"
    province, regency, kecamatan = nik[0:2], nik[2:4], nik[4:6]
    if province not in PROVINCES or regency == "00" or kecamatan == "00":
        return "nik_unknown_region"
    regency_code = f"{province}.{regency}"
    if regency_code in known_regencies and f"{regency_code}.{kecamatan}" not in known_kecamatan:
        return "nik_unknown_region"
    if facts(nik) is None:
        return "nik_invalid_birth_date"
    if nik[12:] == "0000":
        return "nik_dummy"
    return None


def facts(nik: str) -> NikFacts | None:
    """Read the region and birth date (day + 40 for women); None if the date is not real."""
    day, month, year = int(nik[6:8]), int(nik[8:10]), int(nik[10:12])
    female = day > 40
    if female:
        day -= 40
    if not any(_real_date(century + year, month, day) for century in (1900, 2000)):
        return None
    kecamatan = f"{nik[0:2]}.{nik[2:4]}.{nik[4:6]}"
    return NikFacts(kecamatan, day, month, year, female)


def _real_date(year: int, month: int, day: int) -> bool:
    try:
        date(year, month, day)
    except ValueError:
        return False
    return True


def _looks_dummy(nik: str) -> bool:
    if len(set(nik)) == 1:
        return True
    steps = {(int(b) - int(a)) % 10 for a, b in pairwise(nik)}
    return steps in ({1}, {9})  # 1234567890123456 and its reverse
