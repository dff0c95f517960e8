from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

import pytest

from intake.domain.complaints import Catalogue, NewComplaint, Resident, check, normalise_phone

NOW = datetime(2025, 6, 26, 3, 0, tzinfo=UTC)
WIB = timezone(timedelta(hours=7))
CATALOGUE = Catalogue(frozenset({"32.15.02.2001"}), frozenset({"JKN-PBI", "ADMINDUK"}))
GOOD = NewComplaint(
    village_code="32.15.02.2001",
    needs=("JKN-PBI", "ADMINDUK"),
    description="BPJS PBI tidak aktif sejak Maret; KK hilang.",
    channel="walk_in",
    recorded_at=datetime(2025, 6, 26, 9, 15, tzinfo=WIB),
    resident=Resident("3215024107800001", "Siti Aminah", "+6281234567890", "Dusun Krajan"),
)


def test_a_complete_complaint_is_accepted() -> None:
    assert check(GOOD, CATALOGUE, NOW) == []


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"village_code": "33.24.01.2001"}, "unknown_village"),
        ({"needs": ()}, "needs_required"),
        ({"needs": ("JKN-PBI", "JKN-PBI")}, "duplicate_need"),
        ({"needs": ("PIZZA",)}, "unknown_service"),
        ({"description": "  "}, "description_required"),
        ({"description": "x" * 4001}, "description_too_long"),
        ({"channel": "carrier_pigeon"}, "unknown_channel"),
        ({"recorded_at": datetime(2025, 6, 26, 9, 15)}, "timezone_required"),
        ({"recorded_at": NOW + timedelta(minutes=5)}, "recorded_in_future"),
        ({"resident": replace(GOOD.resident, nik="32150241078000")}, "invalid_nik"),
        ({"resident": replace(GOOD.resident, nik="321502410780000A")}, "invalid_nik"),
        ({"resident": replace(GOOD.resident, name=" ")}, "name_required"),
        ({"resident": replace(GOOD.resident, phone="12345")}, "invalid_phone"),
    ],
)
def test_each_problem_is_reported_with_its_code(change: dict, code: str) -> None:
    problems = check(replace(GOOD, **change), CATALOGUE, NOW)
    assert code in [p.code for p in problems]


def test_description_of_exactly_the_limit_is_accepted() -> None:
    assert check(replace(GOOD, description="x" * 4000), CATALOGUE, NOW) == []


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("081234567890", "+6281234567890"),
        ("6281234567890", "+6281234567890"),
        ("+62 812-3456-7890", "+6281234567890"),
    ],
)
def test_phones_are_normalised_to_plus_62(given: str, expected: str) -> None:
    assert normalise_phone(given) == expected


def test_the_same_request_has_the_same_fingerprint_and_a_different_one_does_not() -> None:
    assert GOOD.fingerprint() == replace(GOOD).fingerprint()
    assert GOOD.fingerprint() != replace(GOOD, needs=("JKN-PBI",)).fingerprint()
