"""DTSEN data proposals: each field's check in the form's order, the deliberation's date on the
district's calendar, and a proposal's stage and decision from its timeline; no I/O."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from intake.domain.data_proposals import (
    DataProposal,
    check,
    description,
    earliest_deliberation,
    local_date,
    standing,
)
from intake.domain.errors import MESSAGES
from intake.domain.programmes import ProgrammeRefusedError
from intake.domain.tracking import TimelineEntry

KECAMATAN = frozenset({"32.15.02"})
REGENCIES = frozenset({"32.15"})
TODAY = date(2025, 6, 26)
AT = datetime(2025, 6, 23, 3, 0, tzinfo=UTC)
REMOVAL = DataProposal(
    kind="penghapusan",
    deliberation_date="2025-06-12",
    removal_reason="meninggal",
    kk_number="3215020101090001",
    head_nik="3215024107800001",
    head_name="Siti Aminah",
    detail="",
)


def refused(p: DataProposal, today: date = TODAY) -> tuple[str, str]:
    with pytest.raises(ProgrammeRefusedError) as caught:
        check(p, today, KECAMATAN, REGENCIES)
    assert caught.value.code in MESSAGES  # every refusal says something, in both languages
    return caught.value.code, caught.value.field


def test_a_removal_with_its_reason_and_a_recent_deliberation_is_accepted() -> None:
    assert check(REMOVAL, TODAY, KECAMATAN, REGENCIES) == date(2025, 6, 12)
    new = replace(REMOVAL, kind="baru", removal_reason=None)
    assert check(new, TODAY, KECAMATAN, REGENCIES) == date(2025, 6, 12)
    change = replace(new, kind="perubahan", detail="Anggota keluarga bertambah satu.")
    assert check(change, TODAY, KECAMATAN, REGENCIES) == date(2025, 6, 12)


@pytest.mark.parametrize(
    ("changes", "code", "field"),
    [
        ({"kind": "tambah"}, "unknown_proposal_kind", "kind"),
        ({"removal_reason": None}, "removal_reason_required", "removal_reason"),
        ({"removal_reason": ""}, "removal_reason_required", "removal_reason"),
        ({"removal_reason": "kaya"}, "unknown_removal_reason", "removal_reason"),
        ({"kind": "baru"}, "removal_reason_not_allowed", "removal_reason"),
        ({"deliberation_date": None}, "deliberation_date_required", "deliberation_date"),
        ({"deliberation_date": " "}, "deliberation_date_required", "deliberation_date"),
        ({"deliberation_date": "12-06-2025"}, "invalid_deliberation_date", "deliberation_date"),
        ({"deliberation_date": "2025-02-30"}, "invalid_deliberation_date", "deliberation_date"),
        ({"deliberation_date": "2025-06-27"}, "deliberation_date_in_future", "deliberation_date"),
        ({"deliberation_date": "2024-06-25"}, "deliberation_date_too_old", "deliberation_date"),
        ({"kk_number": "32150201010900"}, "invalid_kk", "kk_number"),
        ({"kk_number": "321502010109000A"}, "invalid_kk", "kk_number"),
        ({"head_nik": "3215"}, "invalid_nik", "head_nik"),
        ({"head_name": "  "}, "name_required", "head_name"),
        ({"detail": "x" * 501}, "proposal_detail_too_long", "detail"),
    ],
)
def test_each_bad_field_is_refused_with_its_code(
    changes: dict[str, str | None], code: str, field: str
) -> None:
    assert refused(replace(REMOVAL, **changes)) == (code, field)  # type: ignore[arg-type]


def test_a_change_says_what_to_change() -> None:
    change = replace(REMOVAL, kind="perubahan", removal_reason=None, detail="  ")
    assert refused(change) == ("proposal_detail_required", "detail")


def test_the_deliberation_may_be_today_or_a_year_ago_to_the_day() -> None:
    assert check(replace(REMOVAL, deliberation_date="2025-06-26"), TODAY, KECAMATAN, REGENCIES)
    assert check(replace(REMOVAL, deliberation_date="2024-06-26"), TODAY, KECAMATAN, REGENCIES)
    assert earliest_deliberation(date(2024, 2, 29)) == date(2023, 2, 28)


def test_today_is_the_districts_date() -> None:
    # 20:00 UTC on the 25th is already the 26th in Karawang (UTC+7).
    evening = datetime(2025, 6, 25, 20, 0, tzinfo=UTC)
    assert local_date(evening) == date(2025, 6, 26)
    assert check(
        replace(REMOVAL, deliberation_date="2025-06-26"), local_date(evening), KECAMATAN, REGENCIES
    )


def test_the_description_holds_codes_only() -> None:
    text = description("penghapusan", "meninggal", date(2025, 6, 12))
    assert text == "Usulan DTSEN: penghapusan (meninggal), musyawarah desa 2025-06-12."


def referred(minutes: int, referral: str, stage: str, index: int, agency: str) -> TimelineEntry:
    return TimelineEntry(
        AT + timedelta(minutes=minutes),
        "referred",
        agency,
        stage=stage,
        stage_index=index,
        stages_total=3,
        referral_id=referral,
        service_code="DTSEN",
    )


def rejected(minutes: int, referral: str, reason: str) -> TimelineEntry:
    at = AT + timedelta(minutes=minutes)
    return TimelineEntry(at, "rejected", "DINSOS", reason_code=reason, referral_id=referral)


def test_a_running_proposal_has_its_stage_and_no_decision() -> None:
    assert standing([TimelineEntry(AT, "received")], "received", None).stage is None
    entries = [referred(1, "a", "kelengkapan", 1, "DINSOS"), rejected(2, "a", "data_tidak_lengkap")]
    now = standing(entries, "referred", None)
    assert now.stage is not None and now.stage.waiting_at_village
    assert (now.stage.stage, now.decision) == ("kelengkapan", None)


def test_a_closed_proposal_is_accepted_or_rejected_with_the_decisions_reason() -> None:
    entries = [
        referred(1, "a", "kelengkapan", 1, "DINSOS"),
        rejected(2, "a", "data_tidak_lengkap"),
        referred(3, "b", "kelengkapan", 1, "DINSOS"),
        referred(4, "c", "verifikasi", 2, "PKH"),
        referred(5, "d", "keputusan", 3, "DINSOS"),
    ]
    accepted = standing(entries, "closed", [{"service_code": "DTSEN", "outcome": "resolved"}])
    assert (accepted.decision, accepted.reason_code) == ("accepted", None)
    assert accepted.stage is not None and accepted.stage.stage == "keputusan"
    no = [*entries, rejected(6, "d", "tidak_memenuhi_syarat")]
    rejection = standing(no, "closed", [{"service_code": "DTSEN", "outcome": "unresolvable"}])
    assert (rejection.decision, rejection.reason_code) == ("rejected", "tidak_memenuhi_syarat")
    plain = standing(entries, "closed", [{"service_code": "DTSEN", "outcome": "unresolvable"}])
    assert (plain.decision, plain.reason_code) == ("rejected", "unresolvable")
