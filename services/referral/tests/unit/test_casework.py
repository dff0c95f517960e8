"""The secretariat's work, decided without I/O: who may act, what an extension must be, and what
each reader's queues hold."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from uuid import uuid4

import pytest

from referral.domain.casework import (
    check_extension,
    check_hold,
    check_noter,
    check_reroute,
    check_resolution,
    check_triage,
    check_worker,
    checked_note,
    queue_query,
    queues_for,
)
from referral.domain.errors import Refusal
from referral.domain.referrals import Referral, current_referrals
from referral.domain.sla import JAKARTA
from referral.domain.staff import Staff

NOW = datetime(2025, 6, 23, 10, 0, tzinfo=JAKARTA)


def referral(status: str = "dispatched") -> Referral:
    return Referral(
        id=uuid4(),
        complaint_id=uuid4(),
        service_code="LAINNYA",
        agency_code="SLRT",
        attempt=1,
        status=status,  # type: ignore[arg-type]
        rule_version=0,
        rule_scope="",
        sla_working_days=7,
        dispatched_at=NOW,
        due_at=NOW + timedelta(days=9),
    )


def refusal(call: object) -> str:
    with pytest.raises(Refusal) as raised:
        call()  # type: ignore[operator]
    return raised.value.code


def test_only_a_named_secretariat_person_or_the_admin_works_cases() -> None:
    check_worker(Staff("secretariat", "32.15", account_id=uuid4(), name="Siti"))
    check_worker(Staff("admin"))
    for other in (Staff("district", "32.15"), Staff("kecamatan", "32.15", "32.15.02")):
        assert refusal(lambda other=other: check_worker(other)) == "forbidden"


def test_an_extension_must_be_later_in_the_future_with_a_known_reason_and_an_open_referral() -> (
    None
):
    open_one = referral()
    later = open_one.due_at + timedelta(days=5)
    check_extension(open_one, later, "menunggu_dokumen", NOW)
    assert refusal(lambda: check_extension(open_one, later, "karena", NOW)) == "invalid_reason"
    assert refusal(lambda: check_extension(open_one, open_one.due_at, "lainnya", NOW)) == (
        "due_not_later"
    )
    assert refusal(lambda: check_extension(open_one, NOW, "lainnya", NOW)) == "due_in_past"
    naive = later.replace(tzinfo=None)
    assert refusal(lambda: check_extension(open_one, naive, "lainnya", NOW)) == "invalid_due"
    for status in ("resolved", "rejected"):
        closed = referral(status)
        assert refusal(lambda c=closed: check_extension(c, later, "lainnya", NOW)) == (
            "referral_closed"
        )


def test_each_reader_s_queues() -> None:
    secretariat = Staff("secretariat", "32.15")
    kecamatan = Staff("kecamatan", "32.15", "32.15.02")
    assert queues_for(secretariat) == ("waiting", "overdue", "escalated")
    assert queues_for(kecamatan) == ("escalated",)
    assert queue_query("waiting", secretariat, NOW).agency_code == "SLRT"
    assert queue_query("overdue", secretariat, NOW).due_before == NOW
    assert queue_query("escalated", secretariat, NOW).escalation_levels == ("kabupaten",)
    mine = queue_query("escalated", kecamatan, NOW)
    assert (mine.area, mine.escalation_levels) == ("32.15.02", ("kecamatan", "kabupaten"))
    assert queue_query("waiting", Staff("admin"), NOW).area is None


AGENCIES = frozenset({"SLRT", "DINSOS", "BPJSKES"})


def at(agency: str, status: str = "dispatched", service: str = "LAINNYA") -> Referral:
    return replace(referral(status), agency_code=agency, service_code=service)


def test_triage_takes_only_a_need_waiting_at_the_secretariat_to_a_known_service_and_agency() -> (
    None
):
    waiting = at("SLRT")
    check_triage(waiting, "PKH", "DINSOS", True, AGENCIES, frozenset({"LAINNYA"}))
    # The need's own service again (rejected by every agency, now sent to a chosen one).
    check_triage(at("SLRT", service="PKH"), "PKH", "DINSOS", True, AGENCIES, frozenset({"PKH"}))
    cases = [
        (at("DINSOS"), "PKH", "DINSOS", True, frozenset[str](), "not_waiting"),
        (at("SLRT", "resolved"), "PKH", "DINSOS", True, frozenset[str](), "not_waiting"),
        (waiting, "NOPE", "DINSOS", False, frozenset[str](), "invalid_service"),
        (waiting, "PKH", "DINSOS", True, frozenset({"PKH"}), "need_exists"),
        (waiting, "PKH", "SLRT", True, frozenset[str](), "same_agency"),
        (waiting, "PKH", "NOPE", True, frozenset[str](), "invalid_agency"),
    ]
    for r, service, agency, known, services, code in cases:
        with pytest.raises(Refusal) as raised:
            check_triage(r, service, agency, known, AGENCIES, services)
        assert raised.value.code == code


def test_a_reroute_needs_an_open_referral_a_reason_and_another_known_agency() -> None:
    open_one = at("DINSOS", "acknowledged", "JKN-PBI")
    check_reroute(open_one, "BPJSKES", "salah_instansi", AGENCIES)
    assert refusal(lambda: check_reroute(open_one, "DINSOS", "lainnya", AGENCIES)) == "same_agency"
    assert refusal(lambda: check_reroute(open_one, "NOPE", "lainnya", AGENCIES)) == (
        "invalid_agency"
    )
    assert refusal(lambda: check_reroute(open_one, "BPJSKES", "karena", AGENCIES)) == (
        "invalid_reason"
    )
    for status in ("rejected", "resolved", "withdrawn"):
        closed = at("DINSOS", status)
        assert refusal(
            lambda closed=closed: check_reroute(closed, "BPJSKES", "lainnya", AGENCIES)
        ) == ("referral_closed")


def test_hold_and_resolve_a_referral_the_secretariat_works_itself() -> None:
    check_hold(at("SLRT"), None)
    check_hold(at("DINSOS", "in_progress"), "beban_kerja")
    assert refusal(lambda: check_hold(at("DINSOS"), None)) == "invalid_reason"
    assert refusal(lambda: check_hold(at("SLRT", "in_progress"), None)) == "already_held"
    assert refusal(lambda: check_hold(at("DINSOS", "resolved"), "lainnya")) == "referral_closed"
    assert check_resolution(at("SLRT", "in_progress"), "partially_resolved") == "partially_resolved"
    assert refusal(lambda: check_resolution(at("DINSOS"), "resolved")) == "not_held"
    assert refusal(lambda: check_resolution(at("SLRT"), "done")) == "invalid_outcome"
    assert refusal(lambda: check_resolution(at("SLRT", "resolved"), "resolved")) == (
        "referral_closed"
    )


def test_notes_come_from_the_secretariat_kecamatan_staff_or_the_admin_1_to_1000_chars() -> None:
    for kind in ("secretariat", "kecamatan", "admin"):
        check_noter(Staff(kind))  # type: ignore[arg-type]
    assert refusal(lambda: check_noter(Staff("district", "32.15"))) == "forbidden"
    assert checked_note("  Warga datang lagi Kamis.  ") == "Warga datang lagi Kamis."
    assert checked_note("x" * 1000) == "x" * 1000
    for bad in ("", "   ", "x" * 1001):
        assert refusal(lambda bad=bad: checked_note(bad)) == "invalid_note"


def test_a_need_triaged_to_another_service_lives_on_under_that_service_only() -> None:
    lainnya = replace(at("SLRT", "withdrawn"), moved_to_service="PKH")
    pkh = replace(at("DINSOS", service="PKH"), complaint_id=lainnya.complaint_id, attempt=2)
    assert current_referrals([lainnya, pkh]) == {"PKH": pkh}
    # Triaged within its own service, the need's later attempt supersedes it as ever.
    same = replace(at("SLRT", "withdrawn", "PKH"), moved_to_service="PKH")
    assert current_referrals([same, pkh]) == {"PKH": pkh}
