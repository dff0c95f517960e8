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
        ({"resident": replace(GOOD.resident, nik="3215994107800001")}, "nik_unknown_region"),
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


@pytest.mark.parametrize(
    ("nik", "code"),
    [
        ("3215024107800001", None),  # woman born 1 July 1980, Pangkalan, Karawang
        ("3215020107800001", None),  # man born 1 July 1980
        ("3324010101050002", None),  # Kendal, born 2005
        ("3171012902000003", None),  # Jakarta (not served here): structure only; 29 Feb 2000
        ("3215022902010001", "nik_invalid_birth_date"),  # 29 Feb in neither 1901 nor 2001
        ("3215023201800001", "nik_invalid_birth_date"),  # day 32
        ("3215027201800001", "nik_invalid_birth_date"),  # day 72 (a woman's 32)
        ("3215020113800001", "nik_invalid_birth_date"),  # month 13
        ("3215990107800001", "nik_unknown_region"),  # no kecamatan 99 in Karawang
        ("9915020107800001", "nik_unknown_region"),  # no province 99
        ("3200020107800001", "nik_unknown_region"),  # regency 00
        ("3215000107800001", "nik_unknown_region"),  # kecamatan 00
        ("1111111111111111", "nik_dummy"),
        ("1234567890123456", "nik_dummy"),
        ("6543210987654321", "nik_dummy"),
        ("3215020107800000", "nik_dummy"),  # serial 0000
        ("321502010780000", "invalid_nik"),
        ("32150201078000011", "invalid_nik"),
        ("3215 0201078000 1", "invalid_nik"),
    ],
)
def test_nik_rules(nik: str, code: str | None) -> None:
    problems = check(replace(GOOD, resident=replace(GOOD.resident, nik=nik)), CATALOGUE, NOW)
    assert [p.code for p in problems if p.field == "resident.nik"] == ([code] if code else [])


def test_every_problem_code_has_a_message_in_both_languages() -> None:
    from intake.domain.errors import MESSAGES, message

    for code, (id_, en) in MESSAGES.items():
        assert id_ and en and id_ != en
        assert message(code, "id") == id_ and message(code, "en") == en


@pytest.mark.parametrize(
    ("details", "code"),
    [
        ({"JKN-PBI": "Kartu ditolak di Puskesmas."}, None),
        ({"JKN-PBI": "x" * 500, "ADMINDUK": "KK hilang saat banjir."}, None),
        ({"JKN-PBI": "x" * 501}, "need_detail_too_long"),
        ({"ADMINDUK": "  "}, "need_detail_required"),
        ({"RTLH": "Atap bocor."}, "need_detail_not_a_need"),
    ],
)
def test_a_needs_detail_belongs_to_one_of_its_needs_and_is_short(
    details: dict[str, str], code: str | None
) -> None:
    problems = check(replace(GOOD, need_details=details), CATALOGUE, NOW)
    assert [(p.code, p.field.split(".")[0]) for p in problems] == (
        [(code, "need_details")] if code else []
    )


def test_the_needs_details_count_in_the_fingerprint_but_none_hash_as_before_the_field() -> None:
    # GOOD's fingerprint before need_details existed: a key saved then still matches its resend
    before_the_field = "7fac8c04c165a26f7614469f2968c3994d2e36bb83d71f276656a8e1bfd48c79"
    assert GOOD.fingerprint() == before_the_field
    with_detail = replace(GOOD, need_details={"JKN-PBI": "Kartu ditolak."})
    assert with_detail.fingerprint() != GOOD.fingerprint()
    assert with_detail.fingerprint() == replace(with_detail).fingerprint()
