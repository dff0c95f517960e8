"""The synthetic country: provinces, regencies, kecamatan and villages, and each one's caseload.

The reference data's three real regencies come first; synthetic regencies fill the country up to
the asked number of villages with Indonesia's proportions (about 161 villages a regency and 11.5
a kecamatan). The same seed gives the same country.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import NamedTuple

from slrt_shared import reference
from slrt_shared.reference import Region
from slrt_shared.regions import kecamatan_of

# Kemendagri province codes of Indonesia's 38 provinces.
PROVINCES = [
    "11", "12", "13", "14", "15", "16", "17", "18", "19", "21", "31", "32", "33",
    "34", "35", "36", "51", "52", "53", "61", "62", "63", "64", "65", "71", "72",
    "73", "74", "75", "76", "81", "82", "91", "92", "93", "94", "95", "96",
]  # fmt: skip
# Provinces of Java and northern Sumatra hold more regencies.
BIG_PROVINCES = {"32", "33", "35", "11", "12", "13"}
VILLAGES_PER_REGENCY = 83_000 / 514
VILLAGES_PER_KECAMATAN = 83_000 / 7_200
# How often each need is brought, relative to the others (social-assistance desks see mostly
# health insurance, civil documents and cash-transfer enrolment).
SERVICE_WEIGHTS = {
    "JKN-PBI": 22, "ADMINDUK": 16, "PKH": 12, "SEMBAKO": 10, "DTSEN": 8, "KESEHATAN": 6,
    "LANSIA": 4, "DISABILITAS": 4, "PIP": 5, "RTLH": 4, "ANAK": 2, "ODGJ": 2, "KEKERASAN": 1,
    "JAMSOSTEK": 1, "KERJA": 1, "GRADUASI": 1, "BENCANA": 1, "LAINNYA": 1,
}  # fmt: skip


class VillagePlan(NamedTuple):
    """A village's share of the caseload: its complaints are numbered first .. first + n - 1."""

    code: str
    kecamatan: str
    regency: str
    complaints: int
    first: int
    quality: float  # 0-1: drives how often and how fast its cases close


def synthetic_regions(villages: int, seed: int) -> list[Region]:
    """The three real regencies of the reference data, then synthetic ones up to `villages`."""
    rng = random.Random(seed)
    real = list(reference.regions().values())
    out = list(real)
    used_regencies = {r.code for r in real if r.level == "regency"}
    provinces = {r.code for r in real if r.level == "province"}
    remaining = max(villages - sum(1 for r in real if r.level == "village"), 0)
    regency_count = max(1, round(remaining / VILLAGES_PER_REGENCY)) if remaining else 0
    kecamatan_count = max(regency_count, round(remaining / VILLAGES_PER_KECAMATAN))
    weights = [3.0 if p in BIG_PROVINCES else 1.0 for p in PROVINCES]
    next_number: dict[str, int] = {}
    regencies = []
    for _ in range(regency_count):
        province = rng.choices(PROVINCES, weights)[0]
        while True:
            number = next_number.get(province, 0) + 1
            next_number[province] = number
            code = f"{province}.{number:02d}" if number <= 69 else f"{province}.{number + 1:02d}"
            if code not in used_regencies and number <= 98:
                break
        used_regencies.add(code)
        regencies.append(code)
        if province not in provinces:
            provinces.add(province)
            out.append(Region(province, f"Provinsi {province}", "province", None, None))
        kind = "Kota" if number > 69 else "Kabupaten"
        out.append(Region(code, f"{kind} Sintetis {code}", "regency", province, None))
    kecamatan = []
    for regency, count in zip(regencies, split(kecamatan_count, len(regencies), rng), strict=True):
        for k in range(1, count + 1):
            code = f"{regency}.{k:02d}"
            kecamatan.append(code)
            out.append(Region(code, f"Kecamatan {code}", "district", regency, None))
    for kec, count in zip(kecamatan, split(remaining, len(kecamatan), rng), strict=True):
        towns = rng.randint(0, min(count, 3)) if rng.random() < 0.2 else 0
        for v in range(1, count + 1):
            urban = v <= towns
            code = f"{kec}.{(1000 if urban else 2000) + (v if urban else v - towns):04d}"
            kind = "kelurahan" if urban else "desa"
            out.append(Region(code, f"{kind.title()} {code[-4:]} {kec}", "village", kec, kind))
    return out


def split(total: int, parts: int, rng: random.Random) -> list[int]:
    """Split a whole into uneven positive parts (largest remainders)."""
    if parts == 0:
        return []
    weights = [rng.uniform(0.5, 1.5) for _ in range(parts)]
    scale = total / sum(weights)
    raw = [w * scale for w in weights]
    counts = [max(1, int(r)) for r in raw]
    for i in sorted(range(parts), key=lambda i: int(raw[i]) - raw[i])[: total - sum(counts)]:
        counts[i] += 1
    while sum(counts) > total and max(counts) > 1:
        counts[counts.index(max(counts))] -= 1
    return counts


def village_plan(regions: Sequence[Region], complaints: int, seed: int) -> list[VillagePlan]:
    """Each village's complaints (a log-normal caseload: busy and quiet villages) and quality."""
    rng = random.Random(seed + 1)
    villages = [r for r in regions if r.level == "village"]
    weights = [rng.lognormvariate(0, 0.7) for _ in villages]
    scale = complaints / sum(weights)
    counts = [int(w * scale) for w in weights]
    order = sorted(range(len(villages)), key=lambda i: int(weights[i] * scale) - weights[i] * scale)
    for i in order[: complaints - sum(counts)]:
        counts[i] += 1
    plan, first = [], 1
    for village, n in zip(villages, counts, strict=True):
        quality = rng.betavariate(4, 2)
        kecamatan = kecamatan_of(village.code)
        plan.append(VillagePlan(village.code, kecamatan, village.regency_code, n, first, quality))
        first += n
    return plan


def catalogue() -> list[tuple[str, float, list[str], float]]:
    """(code, SLA in working days, agencies in routing order, weight) of each catalogue service."""
    return [
        (s.code, float(s.sla_working_days), list(s.agencies), float(SERVICE_WEIGHTS.get(s.code, 1)))
        for s in reference.services().values()
    ]


def villages_by_regency(regions: Sequence[Region]) -> dict[str, list[str]]:
    """The village codes of each regency."""
    out: dict[str, list[str]] = {}
    for r in regions:
        if r.level == "village":
            out.setdefault(r.regency_code, []).append(r.code)
    return out
