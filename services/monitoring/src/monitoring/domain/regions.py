"""Region codes: a village `PP.RR.KK.VVVV` lies in kecamatan `PP.RR.KK` of regency `PP.RR`."""

from __future__ import annotations


def kecamatan_of(village: str) -> str:
    """The kecamatan code of a village code."""
    return village.rsplit(".", 1)[0]


def regency_of(code: str) -> str:
    """The regency code of a kecamatan or village code."""
    return ".".join(code.split(".")[:2])


def regency_of_village(village: str) -> str:
    """The regency code of a village code."""
    return village.rsplit(".", 2)[0]


def areas_of_village(village: str) -> tuple[str, str]:
    """The (kecamatan, regency) codes a village's facts are counted under."""
    parts = village.split(".")
    return ".".join(parts[:3]), ".".join(parts[:2])


def within(code: str, kecamatan: str | None) -> bool:
    """Whether an area lies in a kecamatan (every area does when none is named)."""
    return not kecamatan or code.startswith(kecamatan + ".")
