import base64
from dataclasses import replace
from datetime import UTC, datetime
from uuid import uuid4

import pytest

from gateway.domain.disclosure import Resident, disclosed_fields, view_for_agency
from gateway.domain.paging import (
    START,
    InvalidCursorError,
    LegacyPosition,
    Position,
    decode_cursor,
    encode_cursor,
)
from gateway.domain.referrals import (
    ActionRefusedError,
    AgencyAction,
    Escalation,
    InvalidOutcomeError,
    InvalidTransitionError,
    ReasonRequiredError,
    Referral,
    UnknownReasonCodeError,
    apply,
    escalate,
    higher_level,
    keep_early,
)

T0 = datetime(2025, 6, 23, 3, 0, tzinfo=UTC)
T1 = datetime(2025, 6, 24, 3, 0, tzinfo=UTC)


def referral(status: str = "dispatched", service: str = "JKN-PBI") -> Referral:
    return Referral(
        id=uuid4(),
        complaint_id=uuid4(),
        ticket="SLRT-2506-AB12",
        village_code="32.15.02.2001",
        service_code=service,
        agency_code="DINSOS",
        attempt=1,
        status=status,  # type: ignore[arg-type]
        dispatched_at=T0,
        due_at=T1,
        updated_at=T0,
    )


REQUESTS = {
    "acknowledge": AgencyAction("acknowledge"),
    "progress": AgencyAction("progress", note="Kunjungan rumah"),
    "reject": AgencyAction("reject", note="Bukan wewenang kami"),
    "resolve": AgencyAction("resolve", note="PBI aktif", outcome="resolved"),
}


@pytest.mark.parametrize(
    ("status", "action", "becomes"),
    [
        ("dispatched", "acknowledge", "acknowledged"),
        ("dispatched", "progress", "in_progress"),
        ("dispatched", "reject", "rejected"),
        ("dispatched", "resolve", "resolved"),
        ("acknowledged", "progress", "in_progress"),
        ("acknowledged", "reject", "rejected"),
        ("acknowledged", "resolve", "resolved"),
        ("in_progress", "progress", "in_progress"),
        ("in_progress", "reject", "rejected"),
        ("in_progress", "resolve", "resolved"),
        ("acknowledged", "acknowledge", None),
        ("in_progress", "acknowledge", None),
        ("resolved", "acknowledge", None),
        ("resolved", "progress", None),
        ("resolved", "reject", None),
        ("resolved", "resolve", None),
        ("rejected", "acknowledge", None),
        ("rejected", "progress", None),
        ("rejected", "reject", None),
        ("rejected", "resolve", None),
    ],
)
def test_actions_follow_the_referral_state_machine(
    status: str, action: str, becomes: str | None
) -> None:
    if becomes is None:
        with pytest.raises(InvalidTransitionError) as refused:
            apply(referral(status), REQUESTS[action], T1)
        assert refused.value.code == "invalid_transition"
        return
    changed = apply(referral(status), REQUESTS[action], T1)
    assert changed.status == becomes
    assert changed.updated_at == T1
    assert changed.outcome == ("resolved" if action == "resolve" else None)


@pytest.mark.parametrize("reason", [None, "", "   "])
def test_a_rejection_needs_a_reason(reason: str | None) -> None:
    with pytest.raises(ReasonRequiredError):
        apply(referral(), AgencyAction("reject", note=reason), T1)


@pytest.mark.parametrize("outcome", [None, "", "sort_of"])
def test_a_resolution_needs_a_known_outcome(outcome: str | None) -> None:
    with pytest.raises(InvalidOutcomeError):
        apply(referral(), AgencyAction("resolve", outcome=outcome), T1)


def test_a_bad_request_is_refused_before_the_status_is_considered() -> None:
    with pytest.raises(ReasonRequiredError):
        apply(referral("resolved"), AgencyAction("reject"), T1)


def test_every_refusal_carries_a_machine_readable_code() -> None:
    codes = {cls.code for cls in ActionRefusedError.__subclasses__()}
    assert codes == {
        "invalid_transition",
        "reason_required",
        "invalid_outcome",
        "unknown_reason_code",
    }


def test_a_rejection_with_a_code_keeps_the_code_and_the_note() -> None:
    request = AgencyAction("reject", note="Sudah di Dinkes", reason_code="sudah_ditangani")
    changed = apply(referral(), request, T1)
    assert (changed.reason_code, changed.note) == ("sudah_ditangani", "Sudah di Dinkes")
    only_code = apply(referral(), AgencyAction("reject", reason_code="di_luar_wilayah"), T1)
    assert (only_code.reason_code, only_code.note) == ("di_luar_wilayah", None)


def test_a_rejection_given_only_as_free_text_gets_the_code_lainnya() -> None:
    changed = apply(referral(), AgencyAction("reject", note="Bukan wewenang kami"), T1)
    assert changed.reason_code == "lainnya"


@pytest.mark.parametrize("code", ["alasan_lain", "", "LAINNYA"])
def test_a_reason_code_off_the_list_is_refused_in_both_languages(code: str) -> None:
    with pytest.raises(UnknownReasonCodeError) as refused:
        apply(referral(), AgencyAction("reject", note="x", reason_code=code), T1)
    assert "bukan_kewenangan" in refused.value.message
    assert refused.value.message_id is not None
    assert refused.value.message_id.startswith("reason_code harus")


def test_only_a_rejection_carries_a_reason_code() -> None:
    assert apply(referral(), REQUESTS["progress"], T1).reason_code is None
    assert apply(referral(), REQUESTS["resolve"], T1).reason_code is None


def test_notes_are_trimmed_and_a_blank_note_is_no_note() -> None:
    assert apply(referral(), AgencyAction("progress", note="  ok  "), T1).note == "ok"
    assert apply(referral(), AgencyAction("progress", note="  "), T1).note is None


def test_an_escalation_keeps_the_status_and_records_the_level() -> None:
    escalated = escalate(referral("acknowledged"), "kecamatan", T1)
    assert escalated is not None
    assert (escalated.status, escalated.escalation_level) == ("acknowledged", "kecamatan")
    higher = escalate(escalated, "kabupaten", T1)
    assert higher is not None and higher.escalation_level == "kabupaten"


def test_a_referral_never_goes_down_the_ladder() -> None:
    top = replace(referral(), escalation_level="kabupaten")
    assert escalate(top, "kecamatan", T1) is None
    assert escalate(top, "kabupaten", T1) is None
    assert higher_level(None, "kecamatan") == "kecamatan"
    assert higher_level("kabupaten", "kecamatan") == "kabupaten"
    assert higher_level("kecamatan", "kabupaten") == "kabupaten"


def test_of_two_early_escalations_only_a_higher_one_replaces_the_kept_one() -> None:
    def early(level: str) -> Escalation:
        return Escalation(uuid4(), uuid4(), level, T0, "id.slrt.referral.escalated.v1")  # type: ignore[arg-type]

    low, high = early("kecamatan"), early("kabupaten")
    assert keep_early(None, low) == low
    assert keep_early(low, high) == high
    assert keep_early(high, low) is None
    assert keep_early(high, early("kabupaten")) is None


RESIDENT = Resident(
    complaint_id=uuid4(),
    nik="3215024107800001",
    name="Siti Aminah",
    phone="+6281234567890",
    address="Dusun Krajan RT 02/RW 01",
    description="BPJS PBI tidak aktif sejak Maret.",
)


@pytest.mark.parametrize(
    ("level", "fields"),
    [
        ("basic", {"name", "phone", "address"}),
        ("sensitive", {"nik", "name", "phone", "address"}),
        ("special", {"nik", "name", "phone", "address", "description"}),
        ("unheard-of", {"name", "phone", "address"}),
    ],
)
def test_each_pii_level_discloses_only_what_the_service_needs(level: str, fields: set) -> None:
    assert set(disclosed_fields(level)) == fields
    view = view_for_agency(referral(), RESIDENT, level)
    assert view.resident is not None and set(view.resident) == fields
    assert view.resident["name"] == "Siti Aminah"
    assert view.personal_fields == sorted(fields)


def test_a_view_without_the_residents_data_discloses_nothing() -> None:
    view = view_for_agency(referral(), None, "special")
    assert view.resident is None and view.personal_fields == []


def test_only_fields_with_a_value_count_as_disclosed() -> None:
    quiet = Resident(complaint_id=uuid4(), nik="3215024107800001", name="Siti")
    assert view_for_agency(referral(), quiet, "sensitive").personal_fields == ["name", "nik"]


@pytest.mark.parametrize("level", ["basic", "sensitive", "special"])
def test_the_agency_sees_its_own_needs_detail_at_every_level_and_never_anothers(
    level: str,
) -> None:
    detailed = replace(RESIDENT, need_details={"JKN-PBI": "Kartu ditolak.", "RTLH": "Atap bocor."})
    own = view_for_agency(referral(service="JKN-PBI"), detailed, level)
    assert own.need_detail == "Kartu ditolak." and "need_detail" in own.personal_fields
    assert view_for_agency(referral(service="ADMINDUK"), detailed, level).need_detail is None
    assert view_for_agency(referral(), detailed, level, erased=True).need_detail is None


def test_cursors_round_trip_and_are_opaque() -> None:
    for xid, seq in ((0, 1), (837, 1234), (2**63 - 1, 2**62)):
        cursor = encode_cursor(Position(xid, seq))
        assert str(seq) not in cursor and len(cursor) <= 100
        assert decode_cursor(cursor) == Position(xid, seq)
    assert decode_cursor(None) == START == Position(0, 0)
    assert decode_cursor("") == START


def test_cursors_handed_out_before_are_still_read() -> None:
    assert decode_cursor(b64("s:1234")) == LegacyPosition(1234)


def test_positions_follow_the_transaction_then_the_insertion() -> None:
    assert Position(5, 900) < Position(6, 1) < Position(6, 2)


def b64(raw: str) -> str:
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    "bad",
    [
        "garbage!",
        "Zm9vOjE",
        "czotMQ",
        "czox٣",
        "cw",
        "czo",
        b64("x:1"),
        b64("x:1:2:3"),
        b64("s:1:2"),
        b64("x:-1:2"),
        b64(f"x:{2**63}:1"),
        b64(f"s:{2**63}"),
    ],
)
def test_foreign_cursors_are_refused(bad: str) -> None:
    with pytest.raises(InvalidCursorError):
        decode_cursor(bad)
