"""Region codes as monitoring counts them, by the shared helpers (`slrt_shared.regions`).

A village `PP.RR.KK.VVVV` lies in kecamatan `PP.RR.KK` of regency `PP.RR`.
"""

from __future__ import annotations

from slrt_shared import regions


def kecamatan_of(village: str) -> str:
    """The kecamatan code of a village code."""
    return regions.kecamatan_of(village)


def regency_of(code: str) -> str:
    """The regency code of a kecamatan or village code."""
    return regions.regency_of(code)


def regency_of_village(village: str) -> str:
    """The regency code of a village code."""
    return regions.regency_of(village)


def areas_of_village(village: str) -> tuple[str, str]:
    """The (kecamatan, regency) codes a village's facts are counted under."""
    return regions.kecamatan_of(village), regions.regency_of(village)


def within(code: str, kecamatan: str | None) -> bool:
    """Whether an area lies in a kecamatan (every area does when none is named).

    A `kecamatan` filter or an area that is no region code (the filter comes from the query
    string) matches nothing, as the character test did; an area is never within itself.
    """
    if not kecamatan:
        return True
    if code == kecamatan or not (regions.is_valid(code) and regions.is_valid(kecamatan)):
        return False
    return regions.within(code, kecamatan)
