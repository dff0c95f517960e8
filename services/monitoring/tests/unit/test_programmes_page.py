"""The programmes on the pages: the pace in words, the facilitators as a count, nothing empty."""

from __future__ import annotations

from typing import Any

from monitoring.entrypoints import programmes_page

EMPTY_PROPOSALS: dict[str, Any] = {
    "received": 0,
    "waiting": 0,
    "at_village": 0,
    "accepted": 0,
    "rejected": 0,
    "by_kind": {"baru": 0, "perubahan": 0, "penghapusan": 0},
    "removal_reasons": {},
    "stages": [],
}


def progress(confirmed: int, target: int | None, on_pace: bool | None) -> dict[str, Any]:
    """A district's progress as the API gives it."""
    return {
        "year": 2026,
        "graduations": {
            "confirmed": confirmed,
            "by_month": {"2026-05": confirmed} if confirmed else {},
            "target": target,
            "reached": None if target is None else confirmed >= target,
            "on_pace": on_pace,
            "projected": None if target is None else confirmed * 2,
            "facilitators": {
                "active": 200,
                "at_minimum": None if target is None else 34,
                "minimum": None if target is None else 10,
            },
        },
        "data_proposals": EMPTY_PROPOSALS,
    }


def test_the_district_summary_says_on_pace_or_behind_and_counts_facilitators() -> None:
    behind = programmes_page.district_section("id", progress(340, 2000, False))
    assert "340 dari target 2000: tertinggal (perkiraan akhir tahun 680)" in behind
    assert "34 dari 200" in behind
    on = programmes_page.district_section("en", progress(1200, 2000, True))
    assert "1200 of a target of 2000: on pace" in on


def test_the_bulletin_leaves_the_section_out_while_nothing_is_recorded() -> None:
    assert programmes_page.bulletin_lines("id", progress(0, None, None), "2026-05") == []
    lines = dict(programmes_page.bulletin_lines("id", progress(12, 2000, False), "2026-05"))
    assert lines["Graduasi PKH dikonfirmasi bulan ini"] == "12"
