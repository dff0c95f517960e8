"""Reference data every service agrees on: Kemendagri region codes and the SLRT catalogue."""

from __future__ import annotations

import csv
import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Literal

PiiLevel = Literal["basic", "sensitive", "special"]

_BUNDLED = Path(__file__).parent


def data_dir() -> Path:
    """Folder holding the CSVs: SLRT_REFERENCE_DIR if set, else the copy shipped here."""
    override = os.environ.get("SLRT_REFERENCE_DIR")
    return Path(override) if override else _BUNDLED


@dataclass(frozen=True)
class Region:
    """A Kemendagri region: province, regency, district (kecamatan) or village."""

    code: str
    name: str
    level: Literal["province", "regency", "district", "village"]
    parent_code: str | None
    kind: str | None

    @property
    def regency_code(self) -> str:
        """Code of the regency this region lies in (itself for a regency)."""
        return ".".join(self.code.split(".")[:2])

    @property
    def kecamatan_code(self) -> str | None:
        """Code of the kecamatan of a village or kecamatan."""
        parts = self.code.split(".")
        return ".".join(parts[:3]) if len(parts) >= 3 else None


@dataclass(frozen=True)
class Agency:
    """A body that receives referrals."""

    code: str
    name_id: str
    name_en: str
    kind: str


@dataclass(frozen=True)
class Service:
    """A service of the SLRT catalogue with its routing order and default SLA."""

    code: str
    name_id: str
    name_en: str
    agencies: tuple[str, ...]
    sla_working_days: int
    pii_level: PiiLevel


def _rows(name: str) -> list[dict[str, str]]:
    with (data_dir() / name).open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


@cache
def regions() -> dict[str, Region]:
    """All regions by code."""
    return {
        r["code"]: Region(
            code=r["code"],
            name=r["name"],
            level=r["level"],  # type: ignore[arg-type]
            parent_code=r["parent_code"] or None,
            kind=r["kind"] or None,
        )
        for r in _rows("regions.csv")
    }


def villages(regency_code: str) -> list[Region]:
    """The villages (desa/kelurahan) of a regency, by code."""
    prefix = regency_code + "."
    return [r for r in regions().values() if r.level == "village" and r.code.startswith(prefix)]


@cache
def agencies() -> dict[str, Agency]:
    """All agencies by code."""
    return {
        r["code"]: Agency(r["code"], r["name_id"], r["name_en"], r["kind"])
        for r in _rows("agencies.csv")
    }


@cache
def services() -> dict[str, Service]:
    """The service catalogue by code."""
    return {
        r["code"]: Service(
            code=r["code"],
            name_id=r["name_id"],
            name_en=r["name_en"],
            agencies=tuple(a for a in r["agencies"].split(";") if a),
            sla_working_days=int(r["sla_working_days"]),
            pii_level=r["pii_level"],  # type: ignore[arg-type]
        )
        for r in _rows("services.csv")
    }


@dataclass(frozen=True)
class ServiceStage:
    """One ordered step of a service's reference rule: its agencies in order and its SLA."""

    code: str
    name_id: str
    name_en: str
    agencies: tuple[str, ...]
    sla_working_days: int


@cache
def stages() -> dict[str, tuple[ServiceStage, ...]]:
    """The reference stages of the services that have them, in order (rows of stages.csv)."""
    if not (data_dir() / "stages.csv").exists():
        # A reference folder of its own (SLRT_REFERENCE_DIR) may define no stages.
        return {}
    found: dict[str, list[ServiceStage]] = {}
    for r in _rows("stages.csv"):
        found.setdefault(r["service_code"], []).append(
            ServiceStage(
                code=r["code"],
                name_id=r["name_id"],
                name_en=r["name_en"],
                agencies=tuple(a for a in r["agencies"].split(";") if a),
                sla_working_days=int(r["sla_working_days"]),
            )
        )
    return {code: tuple(steps) for code, steps in found.items()}
