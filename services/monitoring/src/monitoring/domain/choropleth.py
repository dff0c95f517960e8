"""How the map colours a village: the measure chosen, in five steps of a colour-blind-safe scale.

Every measure is read as a share from 0 to 100 where more is better (the score, or a share of
complaints or referrals). A village with no complaint is not active; an active one whose value
cannot be computed yet (too few cases for a score, no referral due) has no data.
"""

from __future__ import annotations

from typing import Any

MEASURES = ("score", "resolution_rate", "sla_compliance", "registered_within_a_day")
# viridis at five even stops: ordered in lightness, readable with every common colour blindness.
COLOURS = ("#440154", "#3b528b", "#21918c", "#5ec962", "#fde725")
STEP = 100 / len(COLOURS)
NOT_ACTIVE = "not_active"
NO_DATA = "no_data"


def value_of(row: dict[str, Any], measure: str) -> float | None:
    """A ranking row's value of a measure on the 0-100 scale (None when it has none)."""
    value = row.get(measure)
    if value is None:
        return None
    return float(value) if measure == "score" else float(value) * 100


def shade(row: dict[str, Any], measure: str) -> str:
    """`not_active`, `no_data`, or the step (`s0` worst to `s4` best) a village is drawn in."""
    if row["status"] == "not_active":
        return NOT_ACTIVE
    if measure == "score" and row["status"] != "ranked":
        return NO_DATA
    value = value_of(row, measure)
    if value is None:
        return NO_DATA
    return f"s{min(int(value // STEP), len(COLOURS) - 1)}"


def steps() -> list[tuple[str, str, int, int]]:
    """The legend's steps: (class, colour, from, to) on the 0-100 scale."""
    return [
        (f"s{i}", colour, round(i * STEP), round((i + 1) * STEP))
        for i, colour in enumerate(COLOURS)
    ]
