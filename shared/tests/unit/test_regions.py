"""Kemendagri region codes are parsed, climbed and compared by their segments."""

from __future__ import annotations

import pytest

from slrt_shared import reference, regions


@pytest.mark.parametrize(
    ("code", "level"),
    [
        ("32", "province"),
        ("32.15", "regency"),
        ("32.15.08", "district"),
        ("32.15.08.2001", "village"),
        ("62.03.01.1001", "village"),
    ],
)
def test_each_level_of_code_parses(code: str, level: regions.Level) -> None:
    parsed = regions.parse(code)
    assert parsed.level == level == regions.level_of(code)
    assert str(parsed) == code
    assert regions.is_valid(code) and regions.is_valid(code, level)


@pytest.mark.parametrize(
    "code",
    [
        "",
        "3",
        "321",
        "32.1",
        "32.15.8",
        "32.15.08.201",
        "32.15.08.20011",
        "32.15.08.2001.1",
        "32.15.",
        ".32.15",
        "32-15",
        "32.00",
        "00",
        "32.15.00.2001",
        "32.15.08.0000",
        " 32.15",
        "32.15\n",
        "٣٢.١٥",  # Arabic-Indic digits are digits to Python, not to Kemendagri
        "all",
    ],
)
def test_malformed_codes_are_refused(code: str) -> None:
    assert not regions.is_valid(code)
    with pytest.raises(regions.InvalidRegionCodeError):
        regions.parse(code)


def test_a_code_of_another_level_than_asked_is_refused() -> None:
    assert not regions.is_valid("32.15.08", "regency")
    with pytest.raises(regions.InvalidRegionCodeError, match="district, not a regency"):
        regions.parse("32.15.08", "regency")


def test_each_code_climbs_to_its_parent_up_to_the_province() -> None:
    assert regions.parent_of("32.15.08.2001") == "32.15.08"
    assert regions.parent_of("32.15.08") == "32.15"
    assert regions.parent_of("32.15") == "32"
    assert regions.parent_of("32") is None


def test_a_village_knows_its_kecamatan_regency_and_province() -> None:
    assert regions.kecamatan_of("32.15.08.2001") == "32.15.08"
    assert regions.regency_of("32.15.08.2001") == "32.15"
    assert regions.province_of("32.15.08.2001") == "32"
    assert regions.regency_of("32.15") == "32.15" and regions.kecamatan_of("32.15.08") == "32.15.08"


def test_a_region_has_no_region_of_a_lower_level() -> None:
    with pytest.raises(regions.InvalidRegionCodeError, match="regency, above any district"):
        regions.kecamatan_of("32.15")
    with pytest.raises(regions.InvalidRegionCodeError):
        regions.regency_of("32")


def test_membership_goes_by_segments_not_characters() -> None:
    assert regions.within("32.15.08.2001", "32.15")
    assert regions.within("32.15.08.2001", "32.15.08")
    assert regions.within("32.15.08.2001", "32")
    assert regions.within("32.15", "32.15")
    assert not regions.within("32.15", "32.15.08")
    assert not regions.within("32.16.08.2001", "32.15")
    # "32.15.08.2001".startswith("32.15.0") is true; no kecamatan 32.15.0 exists
    with pytest.raises(regions.InvalidRegionCodeError):
        regions.within("32.15.08.2001", "32.15.0")


def test_the_sql_pattern_matches_what_lies_strictly_inside() -> None:
    assert regions.like_pattern("32.15") == "32.15.%"
    with pytest.raises(regions.InvalidRegionCodeError):
        regions.like_pattern("32.15%")  # no LIKE wildcard slips in from a caller


def test_codes_sort_as_the_catalogue_lists_them() -> None:
    codes = ["32.15.08.2001", "32.15", "32.15.02.2001", "32"]
    assert [str(c) for c in sorted(map(regions.parse, codes))] == [
        "32",
        "32.15",
        "32.15.02.2001",
        "32.15.08.2001",
    ]


def test_every_code_of_the_reference_catalogue_parses_at_its_level_under_its_parent() -> None:
    for region in reference.regions().values():
        parsed = regions.parse(region.code, region.level)
        assert regions.parent_of(region.code) == region.parent_code
        assert region.regency_code == (
            region.code if region.level == "province" else regions.regency_of(region.code)
        )
        assert parsed.level == region.level
