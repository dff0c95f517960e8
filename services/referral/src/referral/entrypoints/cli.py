"""`python -m referral holidays ...`: district staff's tool for the SLA holiday calendar.

Every change is audited (who, what, before and after, when) like one made through the API, and
every running replica uses it from its next transaction on.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
from datetime import UTC, datetime
from pathlib import Path

from referral.adapters.repository import ReferralUnitOfWork
from referral.app import build, unit_of_work_factory
from referral.domain import holidays
from referral.domain.holidays import CalendarError
from referral.service_layer import calendar
from referral.service_layer.calendar import StoredCalendar
from referral.settings import ReferralSettings

VIA = "cli"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="referral holidays", description=__doc__)
    parser.add_argument(
        "--by", default=None, help="who makes the change (default: cli:<user name>)"
    )
    sub = parser.add_subparsers(dest="command", required=True)
    listing = sub.add_parser("list", help="the calendar's status, its years and its days off")
    listing.add_argument("--year", type=int)
    for name, text in (("add", "add a day off"), ("correct", "correct the entry of a date")):
        p = sub.add_parser(name, help=text)
        p.add_argument("date", help="YYYY-MM-DD")
        p.add_argument("--kind", required=True, choices=holidays.KINDS)
        p.add_argument("--name", required=True, help="its name in Bahasa Indonesia")
        p.add_argument("--source", required=True, help="e.g. the decree's number")
    remove = sub.add_parser("remove", help="remove the entry of a date")
    remove.add_argument("date", help="YYYY-MM-DD")
    complete = sub.add_parser("complete-year", help="mark a year complete: its decree is loaded")
    complete.add_argument("year", type=int)
    complete.add_argument("--decree", required=True, help="reference of the SKB 3 Menteri")
    reopen = sub.add_parser("reopen-year", help="mark a year not complete")
    reopen.add_argument("year", type=int)
    load = sub.add_parser(
        "import", help="add or correct the dates of a file (CSV date,kind,name,source)"
    )
    load.add_argument("file", type=Path)
    load.add_argument("--source", help="source of rows that name none (default: the file name)")
    return parser


async def _run(args: argparse.Namespace, settings: ReferralSettings) -> None:
    runtime, _ = build(settings)
    by = args.by or f"cli:{getpass.getuser()}"
    async with runtime.database(), unit_of_work_factory(runtime)() as uow:
        store = uow.calendar
        if args.command == "list":
            await _print(uow, settings, args.year)
            return
        if args.command == "add":
            entry = holidays.holiday(args.date, args.kind, args.name, args.source)
            await calendar.add_holiday(calendar.AddHoliday(entry, by, VIA), store)
            done = f"added {entry.day} ({entry.kind}: {entry.name})"
        elif args.command == "correct":
            entry = holidays.holiday(args.date, args.kind, args.name, args.source)
            changed = await calendar.correct_holiday(calendar.CorrectHoliday(entry, by, VIA), store)
            done = f"corrected {entry.day}" if changed else f"{entry.day} was already so"
        elif args.command == "remove":
            day = holidays.parse_date(args.date)
            await calendar.remove_holiday(calendar.RemoveHoliday(day, by, VIA), store)
            done = f"removed {day}"
        elif args.command == "complete-year":
            await calendar.mark_year_complete(
                calendar.MarkYearComplete(args.year, args.decree, by, VIA), store
            )
            done = f"{args.year} is complete ({holidays.check_decree(args.decree)})"
        elif args.command == "reopen-year":
            await calendar.reopen_year(calendar.ReopenYear(args.year, by, VIA), store)
            done = f"{args.year} is no longer complete"
        else:
            text = args.file.read_text(encoding="utf-8")
            entries = holidays.parse_holiday_file(text, args.source or f"file {args.file.name}")
            result = await calendar.import_holidays(
                calendar.ImportHolidays(tuple(entries), by, f"import {args.file.name}"), store
            )
            done = (
                f"imported {args.file.name}: {result.added} added, {result.corrected} corrected,"
                f" {result.unchanged} unchanged"
            )
        await uow.commit()
    print(done)


async def _print(uow: ReferralUnitOfWork, settings: ReferralSettings, year: int | None) -> None:
    calendars = StoredCalendar(
        settings.tz, cuti_bersama_are_days_off=settings.cuti_bersama_are_days_off
    )
    current = await calendars.current(uow.calendar)
    today = datetime.now(UTC).astimezone(settings.tz).date()
    state = holidays.status(current, today, settings.calendar_warning_days)
    until = state.complete_until
    print(f"complete until {until} ({state.days_left} days)" if until else "no complete year")
    if state.needs_attention:
        print(f"WARNING: {state.warning('en')}")
    complete = {y.year: y for y in await uow.calendar.years()}
    entries = await uow.calendar.holidays(year)
    for y in sorted({e.holiday.day.year for e in entries} | set(complete)):
        if year is None or y == year:
            mark = f"complete   {complete[y].decree}" if y in complete else "INCOMPLETE"
            print(f"{y}  {mark}")
    for e in entries:
        h = e.holiday
        print(f"{h.day}  {h.kind:<12}  {h.name}  [{h.source}; {e.updated_by or e.added_by}]")


def main(argv: list[str]) -> None:
    """Run a holidays command."""
    args = _parser().parse_args(argv)
    settings = ReferralSettings()
    try:
        asyncio.run(_run(args, settings))
    except CalendarError as exc:
        raise SystemExit(f"error {exc.code}: {exc.message_id} / {exc.message}") from exc
    except OSError as exc:
        raise SystemExit(f"error: {exc}") from exc
