from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from referral.domain.holidays import CalendarError, days_off, parse_holiday_file
from referral.domain.sla import JAKARTA, Calendar, due_at
from referral.settings import NATIONAL_HOLIDAYS

NONE: frozenset[date] = frozenset()
BUNDLED = parse_holiday_file(NATIONAL_HOLIDAYS.read_text(), default_source="bundled")
NATIONAL = days_off(BUNDLED, cuti_bersama_are_days_off=False)


def parse_holidays(text: str) -> frozenset[date]:
    return days_off(parse_holiday_file(text, "test"), cuti_bersama_are_days_off=False)


def wib(y: int, m: int, d: int, h: int = 10, minute: int = 0, s: int = 0) -> datetime:
    return datetime(y, m, d, h, minute, s, tzinfo=JAKARTA)


def end_of(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 23, 59, 59, tzinfo=JAKARTA)


@pytest.mark.parametrize(
    ("dispatched", "days", "due_day"),
    [
        (wib(2025, 6, 23), 1, date(2025, 6, 24)),  # Monday -> Tuesday
        (wib(2025, 6, 20), 1, date(2025, 6, 23)),  # Friday -> Monday
        (wib(2025, 6, 20, 16, 59), 3, date(2025, 6, 25)),  # Friday afternoon -> Wednesday
        (wib(2025, 6, 21), 1, date(2025, 6, 23)),  # Saturday -> Monday
        (wib(2025, 6, 22), 1, date(2025, 6, 23)),  # Sunday -> Monday
        (wib(2025, 6, 23), 5, date(2025, 6, 30)),  # a working week later
        (wib(2025, 6, 23), 14, date(2025, 7, 11)),  # two weekends skipped
        (wib(2025, 6, 23), 0, date(2025, 6, 23)),  # nothing to count: the day itself
    ],
)
def test_working_days_skip_weekends(dispatched: datetime, days: int, due_day: date) -> None:
    assert due_at(dispatched, days, NONE) == end_of(due_day)


def test_the_deadline_is_the_last_second_of_the_day_in_jakarta() -> None:
    due = due_at(wib(2025, 6, 23), 1, NONE)
    assert due.astimezone(UTC) == datetime(2025, 6, 24, 16, 59, 59, tzinfo=UTC)


def test_holidays_are_not_working_days() -> None:
    holidays = parse_holidays("# libur\n2025-06-06  # Iduladha\n\n2025-06-09\n")
    assert holidays == {date(2025, 6, 6), date(2025, 6, 9)}
    # Thursday 5 June + 1 working day skips Friday's holiday, the weekend and Monday's.
    assert due_at(wib(2025, 6, 5), 1, holidays) == end_of(date(2025, 6, 10))


def test_a_friday_dispatch_before_idulfitri_waits_for_the_holidays_to_pass() -> None:
    # Friday 28 March 2025; Monday 31 March and Tuesday 1 April are Idulfitri 1446 H. Cuti
    # bersama (2-7 April) are working days for the SLA: agencies serving the public stay open.
    assert due_at(wib(2025, 3, 28), 1, NATIONAL) == end_of(date(2025, 4, 2))
    assert due_at(wib(2025, 3, 28), 1, NONE) == end_of(date(2025, 3, 31))


@pytest.mark.parametrize(
    ("dispatched_utc", "due_day"),
    [
        # Monday 16:59:59 UTC is Monday 23:59:59 in Jakarta: still Monday's dispatch.
        (datetime(2025, 6, 23, 16, 59, 59, tzinfo=UTC), date(2025, 6, 24)),
        # Monday 17:00 UTC is already Tuesday 00:00 in Jakarta.
        (datetime(2025, 6, 23, 17, 0, tzinfo=UTC), date(2025, 6, 25)),
        # Friday 18:30 UTC is Saturday in Jakarta: Monday is still the first working day.
        (datetime(2025, 6, 20, 18, 30, tzinfo=UTC), date(2025, 6, 23)),
    ],
)
def test_the_day_of_dispatch_is_the_district_day_not_the_utc_day(
    dispatched_utc: datetime, due_day: date
) -> None:
    assert due_at(dispatched_utc, 1, NONE) == end_of(due_day)


def test_a_late_evening_utc_dispatch_lands_on_a_jakarta_holiday() -> None:
    # Thursday 5 June 2025 17:30 UTC is Friday 6 June (Iduladha) 00:30 in Jakarta.
    late = datetime(2025, 6, 5, 17, 30, tzinfo=UTC)
    assert due_at(late, 1, NATIONAL) == end_of(date(2025, 6, 9))


def test_a_district_in_another_time_zone_counts_its_own_days() -> None:
    makassar = ZoneInfo("Asia/Makassar")
    calendar = Calendar(NONE, makassar)
    # Monday 16:30 UTC is still Monday in Jakarta but Tuesday 00:30 in Makassar.
    due = calendar.due_at(datetime(2025, 6, 23, 16, 30, tzinfo=UTC), 1)
    assert due == datetime(2025, 6, 25, 23, 59, 59, tzinfo=makassar)
    assert due_at(datetime(2025, 6, 23, 16, 30, tzinfo=UTC), 1, NONE) == end_of(date(2025, 6, 24))


def test_a_naive_time_or_a_negative_sla_is_refused() -> None:
    with pytest.raises(ValueError, match="time zone"):
        due_at(datetime(2025, 6, 23, 10), 1, NONE)
    with pytest.raises(ValueError, match="negative"):
        due_at(wib(2025, 6, 23), -1, NONE)


def test_a_holiday_file_with_a_bad_line_names_the_line() -> None:
    with pytest.raises(CalendarError, match="line 2"):
        parse_holidays("2025-01-01\n2025-13-01\n")


def test_the_bundled_calendar_has_the_national_holidays_of_2025_and_2026() -> None:
    assert len([d for d in NATIONAL if d.year == 2025]) == 17
    assert len([d for d in NATIONAL if d.year == 2026]) == 17
    assert {date(2025, 8, 17), date(2026, 3, 21), date(2026, 3, 22)} <= NATIONAL
    # 20, 23 and 24 March 2026 are cuti bersama around Idulfitri, not national holidays.
    assert not {date(2026, 3, 20), date(2026, 3, 23), date(2026, 3, 24)} & NATIONAL
