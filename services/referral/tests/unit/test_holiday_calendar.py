"""The district's holiday calendar: complete and incomplete years, cuti bersama, its status."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from referral.domain import holidays
from referral.domain.holidays import (
    AuditEntry,
    CalendarError,
    CompleteYear,
    Holiday,
    StoredHoliday,
    calendar_of,
    parse_decree_file,
    parse_holiday_file,
    status,
)
from referral.domain.sla import JAKARTA, Calendar, Deadline
from referral.service_layer import calendar as use
from referral.service_layer.calendar import StoredCalendar
from referral.settings import NATIONAL_DECREES, NATIONAL_HOLIDAYS

BUNDLED = parse_holiday_file(NATIONAL_HOLIDAYS.read_text(), default_source="bundled")
DECREES = parse_decree_file(NATIONAL_DECREES.read_text())


def bundled(*, cuti_bersama_are_days_off: bool = False) -> Calendar:
    years = [y.year for y in DECREES]
    return calendar_of(BUNDLED, years, JAKARTA, cuti_bersama_are_days_off=cuti_bersama_are_days_off)


def wib(y: int, m: int, d: int, h: int = 10) -> datetime:
    return datetime(y, m, d, h, tzinfo=JAKARTA)


def end_of(y: int, m: int, d: int) -> datetime:
    return datetime(y, m, d, 23, 59, 59, tzinfo=JAKARTA)


def test_the_bundled_list_completes_2025_and_2026_and_not_2027() -> None:
    calendar = bundled()
    assert calendar.complete_years == {2025, 2026}
    by_year = {y: [h for h in BUNDLED if h.day.year == y] for y in (2025, 2026, 2027)}
    assert [len([h for h in by_year[y] if h.kind == "cuti_bersama"]) for y in by_year] == [11, 8, 0]
    # 2027 holds only what is certain: fixed dates and the days computed from Easter.
    assert {h.day for h in by_year[2027]} == {
        date(2027, 1, 1),
        date(2027, 3, 26),  # Wafat Yesus Kristus (Good Friday)
        date(2027, 3, 28),  # Paskah
        date(2027, 5, 1),
        date(2027, 5, 6),  # Kenaikan Yesus Kristus (Easter + 39 days)
        date(2027, 6, 1),
        date(2027, 8, 17),
        date(2027, 12, 25),
    }
    assert all("SKB 2027 belum dimuat" in h.source for h in by_year[2027])


def test_a_deadline_within_complete_years_is_marked_complete() -> None:
    deadline = bundled().deadline(wib(2026, 6, 22), 5)
    assert deadline == Deadline(end_of(2026, 6, 29), True)


def test_a_deadline_whose_counting_crosses_into_2027_is_marked_incomplete() -> None:
    # Tuesday 22 December 2026 + 7 working days: 24 December is cuti bersama (a working day
    # by default), 25 December and 1 January are holidays, the rest of the count is in 2027.
    deadline = bundled().deadline(wib(2026, 12, 22), 7)
    assert deadline.due_at == end_of(2027, 1, 4)
    assert deadline.calendar_complete is False


def test_a_deadline_in_2027_still_skips_the_2027_holidays_that_are_known() -> None:
    # Thursday 25 March 2027 + 1: Good Friday (computed from Easter) and the weekend pass.
    deadline = bundled().deadline(wib(2027, 3, 25), 1)
    assert (deadline.due_at, deadline.calendar_complete) == (end_of(2027, 3, 29), False)


def test_a_deadline_that_ends_on_31_december_of_a_complete_year_is_complete() -> None:
    # Wednesday 30 December 2026 + 1 working day is Thursday 31 December: nothing of 2027.
    deadline = bundled().deadline(wib(2026, 12, 30), 1)
    assert (deadline.due_at, deadline.calendar_complete) == (end_of(2026, 12, 31), True)


def test_a_dispatch_late_in_the_evening_utc_is_counted_from_the_district_day() -> None:
    # 31 December 2026 17:30 UTC is already 1 January 2027 in Jakarta: 2027 is the first day.
    late = datetime(2026, 12, 31, 17, 30, tzinfo=UTC)
    deadline = bundled().deadline(late, 0)
    assert (deadline.due_at, deadline.calendar_complete) == (end_of(2027, 1, 1), False)


def test_a_year_before_the_calendar_is_incomplete_too() -> None:
    deadline = bundled().deadline(wib(2024, 12, 30), 2)
    assert (deadline.due_at, deadline.calendar_complete) == (end_of(2025, 1, 2), False)
    assert bundled().deadline(wib(2024, 12, 31), 1).calendar_complete is True


def test_cuti_bersama_are_working_days_unless_the_district_counts_them_off() -> None:
    # Friday 28 March 2025; 31 March and 1 April are Idulfitri, 2, 3, 4 and 7 April cuti bersama.
    assert bundled().due_at(wib(2025, 3, 28), 1) == end_of(2025, 4, 2)
    off = bundled(cuti_bersama_are_days_off=True)
    assert off.due_at(wib(2025, 3, 28), 1) == end_of(2025, 4, 8)
    # 18 August 2025 became cuti bersama by the decree's amendment of 7 August 2025.
    assert off.due_at(wib(2025, 8, 15), 1) == end_of(2025, 8, 19)
    assert bundled().due_at(wib(2025, 8, 15), 1) == end_of(2025, 8, 18)


@pytest.mark.parametrize(
    ("today", "until", "left", "warned"),
    [
        (date(2026, 6, 1), date(2026, 12, 31), 213, False),
        (date(2026, 10, 3), date(2026, 12, 31), 89, True),  # fewer than ninety days
        (date(2026, 10, 2), date(2026, 12, 31), 90, False),
        (date(2027, 1, 10), date(2026, 12, 31), -10, True),  # past the end
        (date(2028, 1, 10), None, None, True),
    ],
)
def test_the_status_warns_when_fewer_than_ninety_days_remain(
    today: date, until: date | None, left: int | None, warned: bool
) -> None:
    state = status(bundled(), today)
    assert (state.complete_until, state.days_left, state.needs_attention) == (until, left, warned)
    if warned:
        assert "SKB 3 Menteri" in (state.warning("id") or "")
        assert "SKB 3 Menteri" in (state.warning("en") or "")
        assert state.warning("id") != state.warning("en")
    else:
        assert state.warning("id") is None


def test_the_status_counts_the_whole_run_of_complete_years() -> None:
    calendar = Calendar(frozenset(), JAKARTA, frozenset({2025, 2026, 2027, 2029}))
    assert calendar.complete_until(date(2025, 3, 1)) == date(2027, 12, 31)
    assert status(calendar, date(2025, 3, 1)).warning("en") is None
    assert "2028" in (status(calendar, date(2027, 11, 1)).warning("en") or "")


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (("2027-02-30", "holiday", "X", "S"), "invalid_date"),
        (("27-03-2027", "holiday", "X", "S"), "invalid_date"),
        (("20270326", "holiday", "X", "S"), "invalid_date"),
        (("1999-12-31", "holiday", "X", "S"), "invalid_year"),
        (("2027-03-26", "libur", "X", "S"), "invalid_kind"),
        (("2027-03-26", "holiday", "  ", "S"), "invalid_name"),
        (("2027-03-26", "holiday", "Wafat\x00", "S"), "invalid_name"),
        (("2027-03-26", "holiday", "X" * 201, "S"), "invalid_name"),
        (("2027-03-26", "holiday", "X", ""), "invalid_source"),
    ],
)
def test_a_bad_entry_is_refused_with_a_code_in_both_languages(
    args: tuple[str, str, str, str], code: str
) -> None:
    with pytest.raises(CalendarError) as refused:
        holidays.holiday(*args)
    assert refused.value.code == code
    assert refused.value.message and refused.value.message_id
    assert refused.value.message != refused.value.message_id


def test_names_and_sources_are_kept_with_their_spaces_collapsed() -> None:
    entry = holidays.holiday("2027-03-26", "holiday", " Wafat   Yesus Kristus ", "SKB\t2027")
    assert (entry.name, entry.source) == ("Wafat Yesus Kristus", "SKB 2027")


def test_a_holiday_file_reads_csv_and_the_older_format_and_names_bad_lines() -> None:
    csv = (
        "# SKB 2027\ndate,kind,name,source\n"
        '2027-02-08,cuti_bersama,"Cuti bersama Imlek, 2578",SKB 2027\n'
        "2027-02-09,holiday,Tahun Baru Imlek 2578 Kongzili,\n"
    )
    first, second = parse_holiday_file(csv, default_source="file skb.csv")
    assert first == Holiday(
        date(2027, 2, 8), "cuti_bersama", "Cuti bersama Imlek, 2578", "SKB 2027"
    )
    assert second.source == "file skb.csv"
    older = parse_holiday_file("# libur\n2025-06-06  # Iduladha 1446 H\n2025-06-09\n", "old")
    assert [(h.day, h.kind, h.name) for h in older] == [
        (date(2025, 6, 6), "holiday", "Iduladha 1446 H"),
        (date(2025, 6, 9), "holiday", "Hari libur"),
    ]
    for text, line in [
        ("date,kind,name,source\n2027-01-01,holiday,A,S\n2027-01-01,holiday,B,S\n", "line 3"),
        ("date,kind,name,source\n2027-13-01,holiday,A,S\n", "line 2"),
        ("day,what\n2027-01-01,holiday\n", "line 1"),
        ("date,kind,name,source\n2027-01-01,holiday\n", "line 2"),
    ]:
        with pytest.raises(CalendarError, match=line) as refused:
            parse_holiday_file(text, "x")
        assert refused.value.code == "invalid_file"
        assert "baris" in refused.value.message_id


class FakeStore:
    """The calendar tables in dictionaries, with the same audit and version rules."""

    def __init__(self) -> None:
        self.days: dict[date, StoredHoliday] = {}
        self.complete_years: dict[int, CompleteYear] = {}
        self.log: list[AuditEntry] = []
        self.reads = 0

    async def version(self) -> int:
        return len(self.log)

    async def holidays(self, year: int | None = None) -> list[StoredHoliday]:
        self.reads += 1
        return [h for d, h in sorted(self.days.items()) if year is None or d.year == year]

    async def holiday(self, day: date, *, for_update: bool = False) -> StoredHoliday | None:
        return self.days.get(day)

    async def insert(self, entry: Holiday, by: str) -> bool:
        if entry.day in self.days:
            return False
        self.days[entry.day] = StoredHoliday(entry, by, datetime.now(UTC))
        return True

    async def update(self, entry: Holiday, by: str) -> None:
        old = self.days[entry.day]
        self.days[entry.day] = StoredHoliday(entry, old.added_by, old.added_at, by)

    async def delete(self, day: date) -> None:
        del self.days[day]

    async def years(self) -> list[CompleteYear]:
        return [y for _, y in sorted(self.complete_years.items())]

    async def year(self, year: int, *, for_update: bool = False) -> CompleteYear | None:
        return self.complete_years.get(year)

    async def complete(self, year: int, decree: str, by: str) -> None:
        self.complete_years[year] = CompleteYear(year, decree, by)

    async def reopen(self, year: int) -> None:
        del self.complete_years[year]

    async def audit(self, entity, subject, action, before, after, by, via) -> None:  # type: ignore[no-untyped-def]
        entry = AuditEntry(
            len(self.log) + 1, entity, subject, action, before, after, by, via, datetime.now(UTC)
        )
        self.log.append(entry)

    async def audit_log(self, limit: int, before_id: int | None = None) -> list[AuditEntry]:
        return list(reversed(self.log))[:limit]

    async def touched(self, entity: str) -> set[str]:
        return {e.subject for e in self.log if e.entity == entity}


NEW_YEAR = Holiday(date(2027, 1, 1), "holiday", "Tahun Baru 2027 Masehi", "Keppres 8/2024")


async def test_each_change_is_audited_with_before_and_after() -> None:
    store = FakeStore()
    await use.add_holiday(use.AddHoliday(NEW_YEAR, "district 32.15", "api"), store)
    with pytest.raises(CalendarError) as duplicate:
        await use.add_holiday(use.AddHoliday(NEW_YEAR, "district 32.15", "api"), store)
    assert duplicate.value.code == "holiday_exists"
    corrected = Holiday(NEW_YEAR.day, "holiday", NEW_YEAR.name, "SKB 2027")
    assert await use.correct_holiday(use.CorrectHoliday(corrected, "admin", "api"), store)
    # No change, no entry.
    assert not await use.correct_holiday(use.CorrectHoliday(corrected, "admin", "api"), store)
    await use.mark_year_complete(
        use.MarkYearComplete(2027, "SKB Nomor 1 Tahun 2026", "admin", "cli"), store
    )
    await use.reopen_year(use.ReopenYear(2027, "admin", "cli"), store)
    await use.remove_holiday(use.RemoveHoliday(NEW_YEAR.day, "admin", "cli"), store)
    assert [(e.action, e.subject, e.by, e.via) for e in store.log] == [
        ("add", "2027-01-01", "district 32.15", "api"),
        ("correct", "2027-01-01", "admin", "api"),
        ("complete", "2027", "admin", "cli"),
        ("reopen", "2027", "admin", "cli"),
        ("remove", "2027-01-01", "admin", "cli"),
    ]
    correction = store.log[1]
    assert (correction.before or {})["source"] == "Keppres 8/2024"
    assert (correction.after or {})["source"] == "SKB 2027"
    assert store.log[-1].after is None and (store.log[-1].before or {})["name"] == NEW_YEAR.name


async def test_a_year_is_complete_only_with_its_entries_and_a_decree() -> None:
    store = FakeStore()
    with pytest.raises(CalendarError) as empty:
        await use.mark_year_complete(
            use.MarkYearComplete(2027, "SKB Nomor 1 Tahun 2026", "admin", "api"), store
        )
    assert empty.value.code == "year_empty"
    await use.add_holiday(use.AddHoliday(NEW_YEAR, "admin", "api"), store)
    with pytest.raises(CalendarError) as no_decree:
        await use.mark_year_complete(use.MarkYearComplete(2027, " ", "admin", "api"), store)
    assert no_decree.value.code == "decree_required"
    with pytest.raises(CalendarError) as not_complete:
        await use.reopen_year(use.ReopenYear(2027, "admin", "api"), store)
    assert not_complete.value.code == "year_not_complete"
    with pytest.raises(CalendarError) as missing:
        await use.remove_holiday(use.RemoveHoliday(date(2027, 5, 6), "admin", "api"), store)
    assert missing.value.code == "holiday_not_found"


async def test_the_bundled_list_is_loaded_once_and_the_district_changes_stay() -> None:
    store = FakeStore()
    first = await use.load_bundled(use.LoadBundled(tuple(BUNDLED), tuple(DECREES)), store)
    assert (first.added, first.completed) == (len(BUNDLED), 2)
    await use.remove_holiday(use.RemoveHoliday(date(2027, 5, 6), "district 32.15", "api"), store)
    await use.reopen_year(use.ReopenYear(2026, "district 32.15", "api"), store)
    again = await use.load_bundled(use.LoadBundled(tuple(BUNDLED), tuple(DECREES)), store)
    assert (again.added, again.completed, again.skipped) == (0, 0, len(BUNDLED))
    assert date(2027, 5, 6) not in store.days
    assert 2026 not in store.complete_years


async def test_an_import_adds_new_dates_corrects_changed_ones_and_keeps_the_rest() -> None:
    store = FakeStore()
    await use.add_holiday(use.AddHoliday(NEW_YEAR, "bundled", "seed"), store)
    await use.add_holiday(
        use.AddHoliday(
            Holiday(date(2027, 5, 1), "holiday", "Hari Buruh Internasional", "X"), "b", "seed"
        ),
        store,
    )
    skb = [
        NEW_YEAR,
        Holiday(date(2027, 5, 1), "holiday", "Hari Buruh Internasional", "SKB 2027"),
        Holiday(date(2027, 2, 8), "cuti_bersama", "Cuti bersama Imlek", "SKB 2027"),
    ]
    result = await use.import_holidays(
        use.ImportHolidays(tuple(skb), "cli:rina", "import skb.csv"), store
    )
    assert (result.added, result.corrected, result.unchanged) == (1, 1, 1)


async def test_the_stored_calendar_is_reloaded_only_after_a_change() -> None:
    store = FakeStore()
    await use.load_bundled(use.LoadBundled(tuple(BUNDLED), tuple(DECREES)), store)
    calendars = StoredCalendar(JAKARTA, cuti_bersama_are_days_off=False)
    first = await calendars.current(store)
    reads = store.reads
    assert await calendars.current(store) is first
    assert store.reads == reads
    assert first.deadline(wib(2026, 12, 22), 7).calendar_complete is False

    await use.add_holiday(
        use.AddHoliday(Holiday(date(2027, 1, 4), "cuti_bersama", "C", "S"), "a", "api"), store
    )
    await use.mark_year_complete(
        use.MarkYearComplete(2027, "SKB Nomor 1 Tahun 2026", "admin", "api"), store
    )
    after = await calendars.current(store)
    assert after is not first
    # A cuti bersama is a working day by default: the deadline stays, now complete.
    deadline = after.deadline(wib(2026, 12, 22), 7)
    assert (deadline.due_at, deadline.calendar_complete) == (end_of(2027, 1, 4), True)
    off = StoredCalendar(JAKARTA, cuti_bersama_are_days_off=True)
    # Counting cuti bersama off skips 24 December 2026 and 4 January 2027 as well.
    assert (await off.current(store)).due_at(wib(2026, 12, 22), 7) == end_of(2027, 1, 6)


def test_each_year_is_summed_up_by_kind_with_its_completion() -> None:
    at = datetime(2026, 1, 5, tzinfo=UTC)

    def stored(day: date, kind: str) -> holidays.StoredHoliday:
        return holidays.StoredHoliday(holidays.holiday(day, kind, "Libur", "SKB"), "seed", at)

    entries = [
        stored(date(2027, 1, 1), "holiday"),
        stored(date(2026, 1, 1), "holiday"),
        stored(date(2026, 3, 20), "cuti_bersama"),
        stored(date(2026, 8, 17), "holiday"),
    ]
    done = holidays.CompleteYear(2026, "SKB Nomor 1 Tahun 2025", "admin", at)
    # A completion without entries left (they were removed since) still shows its year.
    orphan = holidays.CompleteYear(2024, "SKB Nomor 9 Tahun 2023", "admin", at)
    summaries = holidays.year_summaries(entries, [done, orphan])
    assert [(s.year, s.completion, s.holidays, s.cuti_bersama) for s in summaries] == [
        (2024, orphan, 0, 0),
        (2026, done, 2, 1),
        (2027, None, 1, 0),
    ]
    assert holidays.year_summaries([], []) == []
