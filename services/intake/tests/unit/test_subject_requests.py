"""The rules of a resident's access and erasure requests, without I/O."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from intake.app import build
from intake.domain.subjects import (
    SubjectRequestError,
    erasure_reason,
    nik_hash,
    normalised_nik,
)
from intake.settings import IntakeSettings

NIK = "3215024107800001"


def test_a_nik_is_sixteen_digits_blanks_aside() -> None:
    assert normalised_nik(f" {NIK} ") == NIK
    for bad in (None, "", "321502410780000", "32150241078000012", "3215O24107800001"):
        with pytest.raises(SubjectRequestError) as refused:
            normalised_nik(bad)
        assert refused.value.code == "invalid_nik"


def test_an_erasure_needs_a_short_reason_without_the_nik() -> None:
    assert erasure_reason("  Surat permintaan 12/2026 ", NIK) == "Surat permintaan 12/2026"
    cases = {
        None: "reason_required",
        "   ": "reason_required",
        "x" * 501: "reason_too_long",
        f"Permintaan {NIK[:4]} {NIK[4:8]} {NIK[8:12]} {NIK[12:]}": "reason_contains_nik",
    }
    for reason, code in cases.items():
        with pytest.raises(SubjectRequestError) as refused:
            erasure_reason(reason, NIK)
        assert refused.value.code == code


def test_the_nik_is_kept_only_as_its_keyed_hash() -> None:
    expected = hmac.new(b"secret", NIK.encode(), hashlib.sha256).hexdigest()
    assert nik_hash("secret", NIK) == expected
    assert nik_hash("other", NIK) != expected and NIK not in expected
    with pytest.raises(SubjectRequestError) as refused:
        nik_hash("", NIK)
    assert refused.value.code == "subject_key_missing"


def test_refusals_speak_bahasa_indonesia_unless_asked_for_english() -> None:
    refusal = SubjectRequestError("nothing_held")
    assert refusal.text("id") == "Tidak ada data pribadi yang disimpan untuk NIK ini."
    assert refusal.text("en") == "No personal data is held for this NIK."


def test_personal_data_is_kept_730_days_after_closing_unless_configured() -> None:
    settings = IntakeSettings(database_url="postgresql://unused")  # type: ignore[call-arg]
    rules = {r.name: r.max_age.days for r in build(settings)[0].retention_rules}
    assert rules["personal_data"] == 730
    longer = IntakeSettings(database_url="postgresql://unused", personal_data_retention_days=1095)  # type: ignore[call-arg]
    assert {r.name: r.max_age.days for r in build(longer)[0].retention_rules}[
        "personal_data"
    ] == 1095
    with pytest.raises(ValueError, match="personal_data_retention_days"):
        IntakeSettings(database_url="postgresql://unused", personal_data_retention_days=0)  # type: ignore[call-arg]
