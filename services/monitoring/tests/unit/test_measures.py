from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from monitoring.domain.measures import (
    ComplaintFact,
    ReferralFact,
    measure,
    measure_agency,
    percentile,
)

T0 = datetime(2025, 6, 2, tzinfo=UTC)
NOW = T0 + timedelta(days=20)
D = timedelta(days=1)


def complaint(
    received_day: float, closed_after: float | None = None, recorded_lag_days: float = 0
) -> ComplaintFact:
    received = T0 + received_day * D
    closed = received + closed_after * D if closed_after is not None else None
    return ComplaintFact("v", received, received - recorded_lag_days * D, closed)


def referral(
    *,
    due_day: float = 5,
    resolved_day: float | None = None,
    ack_day: float | None = None,
    rejected: bool = False,
    escalations: int = 0,
    attempt: int = 1,
    agency: str = "DINSOS",
) -> ReferralFact:
    return ReferralFact(
        "v",
        agency,
        attempt,
        T0,
        T0 + due_day * D,
        T0 + ack_day * D if ack_day is not None else None,
        T0 + resolved_day * D if resolved_day is not None else None,
        rejected,
        escalations,
    )


def test_percentiles_interpolate() -> None:
    assert percentile([], 50) is None
    assert percentile([4.0], 90) == 4.0
    assert percentile([1.0, 2.0, 3.0, 4.0], 50) == 2.5
    assert percentile([1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0], 90) == 9.1


def test_a_village_s_measures_on_a_known_sequence() -> None:
    complaints = [
        complaint(0, closed_after=2),
        complaint(1, closed_after=4),
        complaint(2, closed_after=10, recorded_lag_days=3),  # synced 3 days late
        complaint(10),  # open, 10 days old at NOW
        complaint(16, recorded_lag_days=0.5),  # open, 4 days old
    ]
    referrals = [
        referral(resolved_day=3),  # on time
        referral(resolved_day=7),  # late
        referral(due_day=30),  # not due yet: not judged
        referral(due_day=8, escalations=2),  # overdue, open: a miss
        referral(resolved_day=2, rejected=True, attempt=1),  # rejections are not judged
        referral(resolved_day=4, attempt=2),  # re-referral, on time
    ]
    m = measure(complaints, referrals, NOW)
    assert (m.received, m.closed, m.open_backlog) == (5, 3, 2)
    assert m.resolution_rate == 0.6
    assert m.registered_within_a_day == 0.8
    assert m.sla_compliance == 0.5  # 2 met of 4 judged
    assert m.median_days_to_close == 4.0
    assert m.p90_days_to_close == 8.8
    assert m.backlog_median_age_days == 7.0
    assert m.escalations == 2
    assert m.re_referrals == 1


def test_an_agency_s_measures_on_a_known_sequence() -> None:
    refs = [
        referral(ack_day=1, resolved_day=4),
        referral(ack_day=3, resolved_day=9),
        referral(rejected=True),
        referral(ack_day=2, due_day=30),
    ]
    a = measure_agency(refs, NOW)
    assert (a.referrals, a.resolved) == (4, 2)
    assert a.median_days_to_acknowledge == 2.0
    assert a.rejection_rate == 0.25
    assert a.median_days_to_resolve == 6.5
    assert a.sla_compliance == 0.5
    assert a.rejections_by_reason == {"lainnya": 1}  # a rejection read before reason codes


def test_an_agency_s_rejections_are_counted_per_reason_code() -> None:
    refs = [
        replace(referral(rejected=True), reason_code="bukan_kewenangan"),
        replace(referral(rejected=True), reason_code="bukan_kewenangan"),
        replace(referral(rejected=True), reason_code="sudah_ditangani"),
        referral(ack_day=1, resolved_day=2),
    ]
    a = measure_agency(refs, NOW)
    assert a.rejections_by_reason == {"bukan_kewenangan": 2, "sudah_ditangani": 1}
    assert a.rejection_rate == 0.75


@pytest.mark.parametrize("when", [NOW, NOW + 100 * D])
def test_an_idle_area_has_counts_of_zero_and_no_rates(when: datetime) -> None:
    m = measure([], [], when)
    assert (m.received, m.closed, m.open_backlog, m.escalations) == (0, 0, 0, 0)
    assert m.resolution_rate is None and m.sla_compliance is None
