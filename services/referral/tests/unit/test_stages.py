"""Stages of a rule: how a staged need moves on, goes back to the village, or ends; no I/O."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from uuid import uuid4

import pytest

from referral.domain.errors import Refusal
from referral.domain.referrals import Referral
from referral.domain.stages import (
    Stage,
    after_rejection,
    check_current,
    check_sent_back,
    check_stages,
    next_stage,
    refused_in_stage,
    stage_of,
    staged,
)
from slrt_shared import reference

AT = datetime(2025, 6, 23, 3, 0, tzinfo=UTC)
KNOWN = frozenset(reference.agencies())
DTSEN = tuple(
    Stage(s.code, s.name_id, s.name_en, s.agencies, s.sla_working_days)
    for s in reference.stages()["DTSEN"]
)
COMPLAINT = uuid4()


def referral(index: int | None, attempt: int, **changes: object) -> Referral:
    """A referral of the DTSEN need at a stage (None: a single-step need)."""
    r = Referral(
        id=uuid4(),
        complaint_id=COMPLAINT,
        service_code="DTSEN",
        agency_code="DINSOS",
        attempt=attempt,
        status="dispatched",
        rule_version=1,
        rule_scope="",
        sla_working_days=3,
        dispatched_at=AT,
        due_at=AT,
        stage=DTSEN[index - 1].code if index else None,
        stage_index=index,
        stages_total=len(DTSEN) if index else None,
    )
    return replace(r, **changes)  # type: ignore[arg-type]


def test_the_reference_rule_of_dtsen_checks_then_verifies_then_decides() -> None:
    assert [(s.code, s.agencies) for s in DTSEN] == [
        ("kelengkapan", ("DINSOS",)),
        ("verifikasi", ("PKH", "DINSOS")),
        ("keputusan", ("DINSOS",)),
    ]
    check_stages(DTSEN, KNOWN)
    assert [stage_of(s.as_dict()) for s in DTSEN] == list(DTSEN)
    assert (staged(DTSEN, 2).stage.code, staged(DTSEN, 2).total) == ("verifikasi", 3)


def test_a_resolved_stage_leads_to_the_next_and_the_last_ends_the_need() -> None:
    assert next_stage(referral(1, 1), "resolved") == 2
    assert next_stage(referral(2, 2), "resolved") == 3
    assert next_stage(referral(3, 3), "resolved") is None
    # Any other outcome ends the need at its stage; a single-step need has no next stage.
    assert next_stage(referral(1, 1), "unresolvable") is None
    assert next_stage(referral(2, 2), "partially_resolved") is None
    assert next_stage(referral(None, 1), "resolved") is None


def test_a_rejection_sends_back_decides_or_goes_to_the_next_agency() -> None:
    assert after_rejection(referral(1, 1), "data_tidak_lengkap") == "sent_back"
    assert after_rejection(referral(2, 2), "data_tidak_lengkap") == "sent_back"
    assert after_rejection(referral(2, 2), "bukan_kewenangan") == "next_agency"
    # The decision stage's rejection is the decision: the proposal is rejected.
    assert after_rejection(referral(3, 3), "tidak_memenuhi_syarat") == "decided"
    assert after_rejection(referral(3, 3), "data_tidak_lengkap") == "decided"
    assert after_rejection(referral(None, 1), "data_tidak_lengkap") == "next_agency"


def test_a_send_back_is_no_refusal_of_the_stage_by_its_agency() -> None:
    earlier = [
        referral(1, 1, status="resolved"),
        referral(2, 2, status="rejected", reason_code="data_tidak_lengkap", agency_code="PKH"),
        referral(2, 3, status="rejected", reason_code="bukan_kewenangan", agency_code="DINSOS"),
    ]
    assert refused_in_stage(earlier, 2) == ["DINSOS"]
    assert refused_in_stage(earlier, 1) == []


def test_acting_on_a_stage_that_is_not_the_current_one_is_refused() -> None:
    first = referral(1, 1, status="resolved", outcome="resolved")
    second = referral(2, 2)
    check_current(second, [first, second])
    with pytest.raises(Refusal) as refused:
        check_current(first, [first, second])
    assert refused.value.code == "stage_out_of_order"
    assert "kelengkapan" in refused.value.message_id and "verifikasi" in refused.value.message_id


def test_only_the_current_stage_that_sent_it_back_may_be_completed() -> None:
    sent_back = referral(1, 1, status="rejected", reason_code="data_tidak_lengkap")
    check_sent_back(sent_back, [sent_back])
    # Completed once already: the stage's new referral is current, the old one is not.
    again = referral(1, 2)
    with pytest.raises(Refusal) as late:
        check_sent_back(sent_back, [sent_back, again])
    assert late.value.code == "stage_out_of_order"
    for not_waiting in (
        referral(1, 1),  # still with its agency
        referral(1, 1, status="rejected", reason_code="bukan_kewenangan"),
        referral(3, 3, status="rejected", reason_code="data_tidak_lengkap", outcome="unresolvable"),
    ):
        with pytest.raises(Refusal) as refused:
            check_sent_back(not_waiting, [not_waiting])
        assert refused.value.code == "stage_not_sent_back"


@pytest.mark.parametrize(
    ("stage", "english"),
    [
        (Stage("Bad Code", "a", "a", ("DINSOS",), 3), "stage 2: the code must be"),
        (Stage("cek", " ", "a", ("DINSOS",), 3), "stage 2: both names"),
        (Stage("cek", "a", "a", (), 3), "stage 2: a stage needs at least one agency"),
        (Stage("cek", "a", "a", ("DINSOS", "DINSOS"), 3), "stage 2: an agency appears twice"),
        (Stage("cek", "a", "a", ("NOPE",), 3), "stage 2: unknown agencies: NOPE"),
        (Stage("cek", "a", "a", ("DINSOS",), 91), "stage 2: sla_working_days must be"),
        (replace(DTSEN[0]), "a stage code appears twice"),
    ],
)
def test_a_stage_an_admin_may_not_save_is_refused_with_its_number(
    stage: Stage, english: str
) -> None:
    with pytest.raises(Refusal) as refused:
        check_stages([DTSEN[0], stage], KNOWN)
    assert refused.value.code == "invalid_rule"
    assert refused.value.message.startswith(english)
    assert refused.value.message_id != refused.value.message


def test_a_rule_has_at_most_ten_stages() -> None:
    many = [Stage(f"tahap_{chr(97 + i)}", "a", "a", ("DINSOS",), 1) for i in range(11)]
    with pytest.raises(Refusal):
        check_stages(many, KNOWN)
    check_stages(many[:10], KNOWN)
