"""Kemendagri region codes: parse, validate, climb to a parent, test membership.

A code is `32` (province), `32.15` (regency), `32.15.08` (kecamatan) or `32.15.08.2001`
(village: desa/kelurahan).

Every service names places by these codes; this module is the one place that knows their form,
so no service splits a code on dots by hand. It checks the form only: whether a region exists
is the reference catalogue's word (`slrt_shared.reference`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

Level = Literal["province", "regency", "district", "village"]
"""A region's level, as `reference/regions.csv` names them (district = kecamatan)."""

LEVELS: tuple[Level, ...] = ("province", "regency", "district", "village")
# Digits of each segment: province, regency, kecamatan, village (desa/kelurahan).
_WIDTHS = (2, 2, 2, 4)
_FORM = re.compile(r"^\d{2}(?:\.\d{2}(?:\.\d{2}(?:\.\d{4})?)?)?$", re.ASCII)


class InvalidRegionCodeError(ValueError):
    """Text that is not a Kemendagri region code (of the level asked for, if one was)."""


@dataclass(frozen=True, order=True)
class RegionCode:
    """A well-formed region code, split into its segments."""

    segments: tuple[str, ...]

    def __post_init__(self) -> None:
        widths = tuple(len(s) for s in self.segments)
        if not self.segments or widths != _WIDTHS[: len(widths)]:
            raise InvalidRegionCodeError(f"not a region code: {self.segments!r}")
        if not all(s.isascii() and s.isdigit() and int(s) > 0 for s in self.segments):
            raise InvalidRegionCodeError(f"not a region code: {'.'.join(self.segments)!r}")

    def __str__(self) -> str:
        return ".".join(self.segments)

    @property
    def level(self) -> Level:
        """Province, regency, district (kecamatan) or village, by the number of segments."""
        return LEVELS[len(self.segments) - 1]

    @property
    def parent(self) -> RegionCode | None:
        """The region one level up (None for a province)."""
        return RegionCode(self.segments[:-1]) if len(self.segments) > 1 else None

    def at(self, level: Level) -> RegionCode:
        """The region of the given level that contains this one (itself at its own level)."""
        depth = LEVELS.index(level) + 1
        if depth > len(self.segments):
            raise InvalidRegionCodeError(f"{self} is a {self.level}, above any {level}")
        return RegionCode(self.segments[:depth])

    def contains(self, other: RegionCode) -> bool:
        """Tell whether `other` is this region or lies inside it."""
        return other.segments[: len(self.segments)] == self.segments


def parse(code: str, level: Level | None = None) -> RegionCode:
    """Parse a code (of the given level, if one is given), or raise InvalidRegionCodeError."""
    if not _FORM.fullmatch(code):
        raise InvalidRegionCodeError(f"not a region code: {code!r}")
    parsed = RegionCode(tuple(code.split(".")))
    if level is not None and parsed.level != level:
        raise InvalidRegionCodeError(f"{code} is a {parsed.level}, not a {level}")
    return parsed


def is_valid(code: str, level: Level | None = None) -> bool:
    """Tell whether the text is a well-formed region code (of the given level, if any)."""
    try:
        parse(code, level)
    except InvalidRegionCodeError:
        return False
    return True


def level_of(code: str) -> Level:
    """The level of a code."""
    return parse(code).level


def parent_of(code: str) -> str | None:
    """The code one level up (None for a province)."""
    parent = parse(code).parent
    return None if parent is None else str(parent)


def province_of(code: str) -> str:
    """The province of a code (itself for a province)."""
    return str(parse(code).at("province"))


def regency_of(code: str) -> str:
    """The regency of a regency, kecamatan or village code (`32.15.08.2001` → `32.15`)."""
    return str(parse(code).at("regency"))


def kecamatan_of(code: str) -> str:
    """The kecamatan of a kecamatan or village code (`32.15.08.2001` → `32.15.08`)."""
    return str(parse(code).at("district"))


def within(code: str, area: str) -> bool:
    """Tell whether the region `code` is `area` or lies inside it (by segments, not characters).

    `32.15.08.2001` lies within `32`, `32.15` and `32.15.08`; `32.15` is not within `32.1`,
    which a bare `startswith` would say it is.
    """
    return parse(area).contains(parse(code))


def like_pattern(area: str) -> str:
    """A SQL LIKE pattern matching the codes strictly inside `area` (`32.15` → `32.15.%`)."""
    return f"{parse(area)}.%"
