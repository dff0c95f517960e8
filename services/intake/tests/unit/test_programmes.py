"""PKH graduations: a proposal's checks, the decisions of PKH's actions, the year's pace."""

from __future__ import annotations

from datetime import date

import pytest

from intake.domain.errors import MESSAGES
from intake.domain.programmes import (
    Facilitator,
    ProgrammeRefusedError,
    Proposal,
    Target,
    check_proposal,
    check_target,
    decision_of_outcome,
    decision_of_status,
    elapsed_share,
    household_hash,
    pace,
)

VILLAGE = "32.15.02.2001"
KECAMATAN = frozenset({"32.15.02"})
REGENCIES = frozenset({"32.15"})
NIK = "3215024107800001"
KK = "3215020101090001"
FACILITATOR = Facilitator("PKH-KRW-001", "Dewi", "32.15", (VILLAGE,))


def proposal(**changes: str) -> Proposal:
    fields = {
        "village_code": VILLAGE,
        "kk_number": KK,
        "head_nik": NIK,
        "head_name": "Siti Aminah",
        "facilitator_code": "PKH-KRW-001",
        "kind": "sejahtera_mandiri",
        "evidence": "Usaha warung berjalan dua tahun.",
    } | changes
    return Proposal(**fields)


def refusal(p: Proposal, facilitator: Facilitator | None = FACILITATOR) -> str:
    with pytest.raises(ProgrammeRefusedError) as caught:
        check_proposal(p, facilitator, KECAMATAN, REGENCIES)
    return caught.value.code


def test_a_well_formed_proposal_of_an_accompanied_village_passes() -> None:
    check_proposal(proposal(), FACILITATOR, KECAMATAN, REGENCIES)
    check_proposal(proposal(kind="graduasi_alamiah"), FACILITATOR, KECAMATAN, REGENCIES)


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"kk_number": "32150201010900"}, "invalid_kk"),
        ({"kk_number": "321502010109000X"}, "invalid_kk"),
        ({"head_nik": "123"}, "invalid_nik"),
        ({"head_name": "  "}, "name_required"),
        ({"kind": "lulus"}, "unknown_graduation_kind"),
        ({"evidence": " "}, "evidence_required"),
        ({"evidence": "x" * 501}, "evidence_too_long"),
        ({"village_code": "32.15.02.2002"}, "village_not_accompanied"),
    ],
)
def test_each_fault_of_a_proposal_has_its_code(changes: dict[str, str], code: str) -> None:
    assert refusal(proposal(**changes)) == code
    assert code in MESSAGES


def test_an_unknown_or_inactive_facilitator_may_not_propose() -> None:
    assert refusal(proposal(), None) == "unknown_facilitator"
    retired = Facilitator("PKH-KRW-001", "Dewi", "32.15", (VILLAGE,), active=False)
    assert refusal(proposal(), retired) == "facilitator_inactive"


def test_a_target_is_a_served_regencys_count() -> None:
    check_target(Target("32.15", 2025, 2000, 10), REGENCIES)
    for t, code in [
        (Target("33.24", 2025, 2000, 10), "unknown_regency"),
        (Target("32.15", 1999, 2000, 10), "invalid_year"),
        (Target("32.15", 2025, 0, 0), "invalid_target"),
        (Target("32.15", 2025, 5, 10), "invalid_target"),
        (Target("32.15", 2025, 10**12, 10), "invalid_target"),
    ]:
        with pytest.raises(ProgrammeRefusedError) as caught:
            check_target(t, REGENCIES)
        assert caught.value.code == code


def test_only_pkh_decides_a_graduation() -> None:
    assert decision_of_outcome("PKH", "resolved") == "confirmed"
    assert decision_of_outcome("PKH", "unresolvable") == "refused"
    assert decision_of_outcome("DINSOS", "resolved") is None
    assert decision_of_status("PKH", "rejected") == "refused"
    assert decision_of_status("PKH", "acknowledged") is None
    assert decision_of_status("DINSOS", "rejected") is None


def test_a_household_is_known_by_a_keyed_hash_of_its_kk() -> None:
    kept = household_hash(b"k1", KK)
    assert KK not in kept and kept == household_hash(b"k1", KK)
    assert kept != household_hash(b"k2", KK)


def test_the_share_of_the_year_gone_by() -> None:
    assert elapsed_share(2025, date(2024, 12, 31)) == 0
    assert elapsed_share(2025, date(2025, 1, 1)) == pytest.approx(1 / 365)
    assert elapsed_share(2025, date(2025, 12, 31)) == 1
    assert elapsed_share(2025, date(2026, 3, 1)) == 1


def test_the_pace_carries_the_count_so_far_to_the_years_end() -> None:
    mid = date(2025, 7, 2)  # 183 of 365 days
    assert pace(1010, 2000, 2025, mid).on_pace  # 1010 / (183 / 365) = 2014
    assert not pace(1000, 2000, 2025, mid).on_pace  # 1995: just short
    behind = pace(900, 2000, 2025, mid)
    assert not behind.on_pace and not behind.reached and behind.projected == 1795
    ahead = pace(5, 10, 2025, date(2025, 3, 31))  # a quarter gone, half done
    assert ahead.on_pace and ahead.projected == 20 and not ahead.reached
    assert pace(10, 10, 2025, date(2025, 2, 1)).reached
    assert not pace(0, 10, 2025, date(2024, 12, 1)).on_pace
    assert pace(0, 0, 2025, date(2025, 1, 5)).on_pace  # a minimum of none is met
    assert pace(9, 10, 2025, date(2026, 1, 2)).projected == 9
