"""Who may do what at the agency desk, and a referral's timeline: pure rules."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from gateway.domain.referrals import Referral
from gateway.domain.staff import Caller, InvalidStaffAccountError, checked_account
from gateway.service_layer.unit_of_work import ActionTaken
from gateway.service_layer.views import timeline_of

T0 = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("role", "acts", "exports"),
    [
        (None, True, False),
        ("officer", True, False),
        ("viewer", False, False),
        ("supervisor", True, True),
    ],
)
def test_each_role_may_what_it_may(role: str | None, acts: bool, exports: bool) -> None:
    caller = Caller("DINSOS", None if role is None else uuid.uuid4(), role)  # type: ignore[arg-type]
    assert (caller.may_act, caller.may_export) == (acts, exports)


def test_an_account_needs_a_name_and_a_known_role() -> None:
    assert checked_account("  Rina   Kusuma ", "officer") == ("Rina Kusuma", "officer")
    with pytest.raises(InvalidStaffAccountError) as bad_role:
        checked_account("Rina", "boss")
    assert bad_role.value.code == "staff_role_invalid"
    assert bad_role.value.values == {"known": "officer, viewer, supervisor"}
    for name in ("", "   ", "x" * 201):
        with pytest.raises(InvalidStaffAccountError) as bad_name:
            checked_account(name, "viewer")
        assert bad_name.value.code == "staff_name_invalid"


def test_the_timeline_names_the_person_or_the_system_key() -> None:
    referral = Referral(
        id=uuid.uuid4(),
        complaint_id=uuid.uuid4(),
        ticket="SLRT-2611-AB12",
        village_code="32.15.18.2001",
        service_code="LANSIA",
        agency_code="DINSOS",
        attempt=1,
        status="rejected",
        dispatched_at=T0,
        due_at=T0 + timedelta(days=7),
        updated_at=T0,
        escalation_level="kecamatan",
    )
    rina = uuid.uuid4()
    actions = [
        ActionTaken(referral.id, "DINSOS", None, "acknowledge", "acknowledged", None, None, T0),
        ActionTaken(
            referral.id, "DINSOS", rina, "reject", "rejected", None, "bukan_kewenangan", T0
        ),
    ]
    steps = timeline_of(referral, actions, {rina: "Rina Kusuma"})
    assert [(s.kind, s.account_name, s.by_system_key) for s in steps] == [
        ("dispatched", None, False),
        ("acknowledge", None, True),
        ("reject", "Rina Kusuma", False),
        ("escalated", None, False),
    ]
    assert steps[-1].escalation_level == "kecamatan" and steps[-1].at is None
