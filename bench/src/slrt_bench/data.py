"""Realistic complaints: Karawang's villages, needs from the catalogue, plausible residents."""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from slrt_shared import reference, regions

FIRST = ["Siti", "Dewi", "Sri", "Nur", "Ahmad", "Budi", "Agus", "Rina", "Yanti", "Dedi"]
LAST = ["Aminah", "Rahayu", "Wahyuni", "Hidayat", "Saputra", "Lestari", "Kurniawan", "Sari"]


@dataclass(frozen=True)
class District:
    """The villages of a regency and the catalogue's service codes."""

    villages: list[str]
    services: list[str]

    @classmethod
    def of(cls, regency: str) -> District:
        """Load a regency from the reference data."""
        villages = sorted(v.code for v in reference.villages(regency))
        return cls(villages, sorted(reference.services()))


def nik_for(village: str, rng: random.Random) -> str:
    """A NIK registered in the village's kecamatan, with a real birth date (women: day + 40)."""
    province, regency, kecamatan = regions.parse(village).segments[:3]
    day = rng.randint(1, 28) + (40 if rng.random() < 0.6 else 0)
    month, year = rng.randint(1, 12), rng.randint(40, 99)
    serial = rng.randint(1, 9999)
    return f"{province}{regency}{kecamatan}{day:02d}{month:02d}{year:02d}{serial:04d}"


def complaint(district: District, village: str, rng: random.Random) -> dict[str, Any]:
    """One complaint as a Puskesos operator registers it."""
    needs = rng.sample(district.services, k=1 if rng.random() < 0.7 else 2)
    return {
        "village_code": village,
        "needs": needs,
        "description": "Warga membutuhkan bantuan: " + ", ".join(needs) + ".",
        "channel": rng.choice(["walk_in", "walk_in", "phone", "outreach"]),
        "recorded_at": "2026-06-26T09:15:00+07:00",
        "resident": {
            "nik": nik_for(village, rng),
            "name": f"{rng.choice(FIRST)} {rng.choice(LAST)}",
            "phone": f"08{rng.randint(1_000_000_000, 9_999_999_999)}",
            "address": f"Dusun {rng.randint(1, 9)} RT {rng.randint(1, 20):02d}",
        },
    }
