"""Which complaints the public doors show, by the services' pii_level."""

from __future__ import annotations

from intake.domain.disclosure import (
    SPECIAL_CODE,
    caller_scope,
    is_special,
    public_services,
    tracked_needs,
)

LEVELS = {"RTLH": "basic", "JKN-PBI": "sensitive", "KEKERASAN": "special", "BENCANA": "basic"}


def test_only_basic_services_are_public() -> None:
    assert public_services(LEVELS) == ["BENCANA", "RTLH"]


def test_an_unknown_service_counts_as_special() -> None:
    assert is_special("NOPE", LEVELS) and not is_special("JKN-PBI", LEVELS)


def test_the_tracker_shows_a_special_service_as_the_generic_code() -> None:
    assert tracked_needs(["JKN-PBI", "KEKERASAN"], LEVELS) == ["JKN-PBI", SPECIAL_CODE]


def test_an_operator_sees_their_village_and_district_staff_their_regency() -> None:
    assert caller_scope("operator", "32.15.02.2001", "32.15") == "32.15.02.2001"
    assert caller_scope("district", None, "32.15") == "32.15"
