"""The secretariat's case work as the agency lives it: pure rules, no I/O."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from gateway.domain import casework
from gateway.domain.referrals import (
    AgencyAction,
    InvalidTransitionError,
    Referral,
    ReferralWithdrawnError,
    apply,
)

AT = datetime(2026, 12, 1, 9, tzinfo=UTC)


def referral(status: str = "acknowledged") -> Referral:
    return Referral(
        id=uuid.uuid4(),
        complaint_id=uuid.uuid4(),
        ticket="SLRT-2612-AB12",
        village_code="32.15.02.2001",
        service_code="JKN-PBI",
        agency_code="DINSOS",
        attempt=1,
        status=status,  # type: ignore[arg-type]
        dispatched_at=AT,
        due_at=AT + timedelta(days=7),
        updated_at=AT,
    )


def step(held: Referral, action: str, **fields: object) -> casework.Step:
    values: dict[str, object] = {"reason_code": None, "due_at": None, **fields}
    return casework.Step(
        uuid.uuid4(), held.id, held.complaint_id, action, at=AT + timedelta(hours=1), **values
    )  # type: ignore[arg-type]


def test_only_an_extension_and_a_withdrawal_concern_the_agency() -> None:
    assert {a for a in ("due_extended", "withdrawn") if casework.concerns_agency(a)} == {
        "due_extended",
        "withdrawn",
    }
    for other in ("triaged", "held", "resolved", "note_added", "sent_to_the_minister"):
        assert not casework.concerns_agency(other)


def test_an_extension_moves_the_due_date_only_later_and_only_while_open() -> None:
    held = referral()
    later = held.due_at + timedelta(days=3)
    moved = casework.applied(held, step(held, "due_extended", due_at=later))
    assert moved is not None and (moved.due_at, moved.status) == (later, "acknowledged")
    assert casework.applied(moved, step(held, "due_extended", due_at=later)) is None
    assert casework.applied(moved, step(held, "due_extended", due_at=held.due_at)) is None
    assert casework.applied(held, step(held, "due_extended")) is None
    assert casework.applied(referral("resolved"), step(held, "due_extended", due_at=later)) is None


@pytest.mark.parametrize("status", ["dispatched", "acknowledged", "in_progress"])
def test_an_open_referral_is_withdrawn_with_the_reason(status: str) -> None:
    held = referral(status)
    taken = casework.applied(held, step(held, "withdrawn", reason_code="salah_instansi"))
    assert taken is not None
    assert (taken.status, taken.reason_code, taken.terminal) == (
        "withdrawn",
        "salah_instansi",
        True,
    )


@pytest.mark.parametrize("status", ["rejected", "resolved", "withdrawn"])
def test_a_referral_that_ended_is_not_withdrawn(status: str) -> None:
    held = referral(status)
    assert casework.applied(held, step(held, "withdrawn", reason_code="lainnya")) is None


@pytest.mark.parametrize(
    "request_",
    [
        AgencyAction("acknowledge"),
        AgencyAction("progress", note="x"),
        AgencyAction("reject", reason_code="bukan_kewenangan"),
        AgencyAction("resolve", outcome="resolved"),
    ],
)
def test_every_action_on_a_withdrawn_referral_is_refused_with_its_code(
    request_: AgencyAction,
) -> None:
    with pytest.raises(ReferralWithdrawnError) as refused:
        apply(replace(referral(), status="withdrawn"), request_, AT)
    assert refused.value.code == "referral_withdrawn"
    assert "dialihkan oleh sekretariat" in refused.value.message_id
    assert "withdrawn" in refused.value.message
    # Another final status keeps its own answer.
    with pytest.raises(InvalidTransitionError) as other:
        apply(referral("resolved"), request_, AT)
    assert other.value.code == "invalid_transition"
