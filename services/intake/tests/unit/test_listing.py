"""The complaints' list: its parameters, the caller's area, the cursor, masks and referrals."""

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from intake.domain.access import Caller
from intake.domain.listing import (
    DAY_ZONE,
    ComplaintFilter,
    Entry,
    Position,
    decode_cursor,
    encode_cursor,
    mask_name,
    mask_nik,
    parse,
    referrals,
    scope,
)

VILLAGE = "32.15.02.2001"
OPERATOR = Caller("op", "operator", VILLAGE, "32.15")
STAFF = Caller("ds", "district", None, "32.15")
NOW = datetime(2026, 12, 1, 9, tzinfo=UTC)


def problems(*params: tuple[str, str]) -> list[tuple[str, str]]:
    return [(p.field, p.code) for p in parse(list(params)).problems]


def test_no_parameter_asks_for_the_first_page_of_fifty() -> None:
    assert parse([]).filter == ComplaintFilter()


def test_each_parameter_is_read() -> None:
    position = Position(NOW, uuid4())
    wanted = parse(
        [
            ("status", "referred"),
            ("from", "2026-11-01"),
            ("to", "2026-11-30"),
            ("ticket", "slrt k7m2 9qxa"),
            ("client_id", "tab-07:1"),
            ("village", VILLAGE),
            ("kecamatan", "32.15.02"),
            ("limit", "200"),
            ("cursor", encode_cursor(position)),
        ]
    ).filter
    assert wanted == ComplaintFilter(
        status="referred",
        since=datetime(2026, 11, 1, tzinfo=DAY_ZONE),
        until=datetime(2026, 12, 1, tzinfo=DAY_ZONE),
        ticket="SLRT-K7M2-9QXA",
        client_id="tab-07:1",
        village=VILLAGE,
        kecamatan="32.15.02",
        limit=200,
        after=position,
    )


@pytest.mark.parametrize(
    ("name", "value", "code"),
    [
        ("status", "open", "unknown_status"),
        ("from", "2026-13-01", "invalid_date"),
        ("to", "1 Dec 2026", "invalid_date"),
        ("ticket", "SLRT-1234", "invalid_ticket"),
        ("client_id", "x" * 101, "invalid_client_id"),
        ("client_id", "", "invalid_client_id"),
        ("village", "32.15.02", "invalid_village_code"),
        ("kecamatan", "32.15", "invalid_kecamatan_code"),
        ("limit", "0", "invalid_limit"),
        ("limit", "201", "invalid_limit"),
        ("limit", "ten", "invalid_limit"),
        ("cursor", "not-a-cursor", "invalid_cursor"),
        ("sort", "asc", "unknown_parameter"),
    ],
)
def test_a_bad_parameter_is_a_coded_problem(name: str, value: str, code: str) -> None:
    assert problems((name, value)) == [(name, code)]


def test_a_parameter_given_twice_and_a_reversed_range_are_refused() -> None:
    assert problems(("limit", "5"), ("limit", "6")) == [("limit", "repeated_parameter")]
    assert problems(("from", "2026-12-02"), ("to", "2026-12-01")) == [("to", "date_range_reversed")]
    assert problems(("from", "2026-12-01"), ("to", "2026-12-01")) == []


def test_a_cursor_round_trips_and_a_forged_one_is_refused() -> None:
    position = Position(NOW, uuid4())
    assert decode_cursor(encode_cursor(position)) == position
    for forged in ("WyJ4Il0", "bnVsbA", encode_cursor(position)[:-3]):
        with pytest.raises(ValueError):
            decode_cursor(forged)


def test_the_operator_lists_their_village_only_and_any_other_filter_is_empty() -> None:
    assert scope(OPERATOR, ComplaintFilter()).village == VILLAGE
    assert not scope(OPERATOR, ComplaintFilter(kecamatan="32.15.02")).empty
    assert scope(OPERATOR, ComplaintFilter(village="32.15.02.2002")).empty
    assert scope(OPERATOR, ComplaintFilter(kecamatan="32.15.03")).empty


def test_district_staff_list_the_regency_narrowed_within_it() -> None:
    whole = scope(STAFF, ComplaintFilter())
    assert (whole.village, whole.area, whole.empty) == (None, "32.15", False)
    assert scope(STAFF, ComplaintFilter(kecamatan="32.15.03")).area == "32.15.03"
    assert scope(STAFF, ComplaintFilter(village=VILLAGE)).village == VILLAGE
    assert scope(STAFF, ComplaintFilter(kecamatan="33.24.01")).empty
    assert scope(STAFF, ComplaintFilter(village="33.24.01.2001")).empty
    assert scope(STAFF, ComplaintFilter(village=VILLAGE, kecamatan="32.15.03")).empty
    assert scope(Caller("x", "agency", None, "32.15"), ComplaintFilter()).empty


def test_the_nik_keeps_its_region_and_last_four_and_the_name_its_initials() -> None:
    assert mask_nik("3215024107800001") == "321502******0001"
    assert mask_name("Siti  Aminah") == "S*** A***"


def test_referrals_follow_their_agency_and_escalations_the_overdue_ones() -> None:
    t = NOW - timedelta(days=10)
    entries = [
        Entry(t, "referred", "BPJSKES", due_at=t + timedelta(days=5)),
        Entry(t, "referred", "DINSOS", due_at=NOW + timedelta(days=1)),
        Entry(t + timedelta(days=1), "acknowledged", "DINSOS"),
        Entry(t + timedelta(days=6), "escalated", level="kecamatan"),
        Entry(t + timedelta(days=8), "escalated", level="kabupaten"),
        Entry(t + timedelta(days=2), "referred", "DINKES", due_at=t + timedelta(days=3)),
        Entry(t + timedelta(days=2, hours=1), "rejected", "DINKES"),
    ]
    found = {r.agency_code: r for r in referrals(entries, NOW)}
    bpjs, dinsos, dinkes = found["BPJSKES"], found["DINSOS"], found["DINKES"]
    assert (bpjs.status, bpjs.overdue, bpjs.escalation_level) == ("dispatched", True, "kabupaten")
    assert (dinsos.status, dinsos.overdue, dinsos.escalated) == ("acknowledged", False, False)
    assert (dinkes.status, dinkes.overdue, dinkes.escalated) == ("rejected", False, False)


def test_a_referral_passed_on_after_a_rejection_is_a_new_one_and_resolved_is_final() -> None:
    t = NOW - timedelta(days=3)
    entries = [
        Entry(t, "referred", "DINSOS", due_at=t + timedelta(days=1)),
        Entry(t + timedelta(hours=1), "rejected", "DINSOS"),
        Entry(t + timedelta(hours=2), "referred", "DINSOS", due_at=NOW + timedelta(days=2)),
        Entry(t + timedelta(hours=3), "resolved", "DINSOS", outcome="resolved"),
        Entry(t + timedelta(hours=4), "in_progress", "DINSOS"),
    ]
    first, second = referrals(entries, NOW)
    assert (first.status, second.status, second.outcome) == ("rejected", "resolved", "resolved")
    assert not first.overdue and not second.overdue
