"""Region codes as monitoring counts them, by the shared helpers (`slrt_shared.regions`).

A village `PP.RR.KK.VVVV` lies in kecamatan `PP.RR.KK` of regency `PP.RR`.
"""

from __future__ import annotations

from functools import cache

from slrt_shared import regions


# Pure and asked again for the same codes each ranking cycle: parsed once.
@cache
def kecamatan_of(village: str) -> str:
    """The kecamatan code of a village code."""
    return _at(village, "district")


@cache
def regency_of(code: str) -> str:
    """The regency code of a kecamatan or village code."""
    return _at(code, "regency")


def regency_of_village(village: str) -> str:
    """The regency code of a village code."""
    return _at(village, "regency")


def areas_of_village(village: str) -> tuple[str, str]:
    """The (kecamatan, regency) codes a village's facts are counted under."""
    return _at(village, "district"), _at(village, "regency")


def _at(code: str, level: regions.Level) -> str:
    """The region of `level` holding `code`, by the shared parser where it accepts the code.

    The events' contract admits village codes the shared parser refuses (a `00` segment, other
    Unicode digits); their facts are still counted under the leading segments, as before.
    """
    try:
        return str(regions.parse(code).at(level))
    except regions.InvalidRegionCodeError:
        return ".".join(code.split(".")[: regions.LEVELS.index(level) + 1])


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
