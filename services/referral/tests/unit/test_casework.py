"""The secretariat's work, decided without I/O: who may act, what an extension must be, and what
each reader's queues hold."""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import uuid4

import pytest

from referral.domain.casework import check_extension, check_worker, queue_query, queues_for
from referral.domain.errors import Refusal
from referral.domain.referrals import Referral
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
