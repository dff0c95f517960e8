from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from referral.domain.routing import SECRETARIAT, RoutingRule, agency_for
from referral.domain.sla import JAKARTA, due_at, parse_holidays

PBI = RoutingRule("JKN-PBI", ("DINSOS", "BPJSKES"), 5, 1)
NO_HOLIDAYS: frozenset[date] = frozenset()


@pytest.mark.parametrize(
    ("attempt", "agency"), [(1, "DINSOS"), (2, "BPJSKES"), (3, SECRETARIAT), (4, SECRETARIAT)]
)
def test_a_rejected_referral_goes_down_the_order_then_to_the_secretariat(
    attempt: int, agency: str
) -> None:
    assert agency_for(PBI, attempt) == agency


def test_attempts_count_from_one() -> None:
    with pytest.raises(ValueError):
        agency_for(PBI, 0)


def local(y: int, m: int, d: int, h: int = 10) -> datetime:
    return datetime(y, m, d, h, tzinfo=JAKARTA)


@pytest.mark.parametrize(
    ("dispatched", "days", "due_day"),
    [
        (local(2025, 6, 23), 1, date(2025, 6, 24)),  # Monday -> Tuesday
        (local(2025, 6, 20), 1, date(2025, 6, 23)),  # Friday -> Monday
        (local(2025, 6, 21), 1, date(2025, 6, 23)),  # Saturday -> Monday
        (local(2025, 6, 23), 5, date(2025, 6, 30)),  # a working week later
        (local(2025, 6, 23), 14, date(2025, 7, 11)),  # weekends skipped twice
    ],
)
def test_due_dates_count_working_days(dispatched: datetime, days: int, due_day: date) -> None:
    due = due_at(dispatched, days, NO_HOLIDAYS)
    assert due.astimezone(JAKARTA).date() == due_day
    assert (due.hour, due.minute) == (23, 59)


def test_holidays_are_not_working_days() -> None:
    holidays = parse_holidays("# libur\n2025-06-06  # Iduladha\n2025-06-09\n")
    assert holidays == {date(2025, 6, 6), date(2025, 6, 9)}
    # Thursday 5 June + 1 working day skips Friday's holiday, the weekend and Monday's.
    assert due_at(local(2025, 6, 5), 1, holidays).date() == date(2025, 6, 10)


def test_the_day_of_dispatch_is_the_district_day_not_the_utc_day() -> None:
    # 18:30 UTC on Monday is already Tuesday 01:30 in Jakarta.
    late_monday_utc = datetime(2025, 6, 23, 18, 30, tzinfo=UTC)
    assert due_at(late_monday_utc, 1, NO_HOLIDAYS).date() == date(2025, 6, 25)
    wita = timezone(timedelta(hours=8))
    assert due_at(datetime(2025, 6, 23, 23, 30, tzinfo=wita), 1, NO_HOLIDAYS).date() == date(
        2025, 6, 24
    )


def test_a_naive_time_is_refused() -> None:
    with pytest.raises(ValueError):
        due_at(datetime(2025, 6, 23, 10), 1, NO_HOLIDAYS)


def test_the_bundled_national_calendar_parses() -> None:
    from referral.settings import NATIONAL_HOLIDAYS

    holidays = parse_holidays(NATIONAL_HOLIDAYS.read_text())
    assert date(2025, 8, 17) in holidays and date(2026, 12, 25) in holidays
