"""The holiday calendar's API for district staff and the admin: read it, keep it, see its audit."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import AsyncIterator, Callable
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from referral.adapters.repository import ReferralUnitOfWork, UnitOfWorkFactory
from referral.domain import holidays
from referral.domain.holidays import CalendarError, StoredHoliday, YearSummary
from referral.entrypoints import jobs
from referral.entrypoints.auth import Authentication, Caller
from referral.entrypoints.errors import refused
from referral.entrypoints.schemas import (
    AuditOut,
    CalendarOut,
    DecreeIn,
    HolidayCorrection,
    HolidayIn,
    HolidayOut,
    YearOut,
)
from referral.service_layer import calendar
from referral.service_layer.calendar import StoredCalendar
from slrt_shared.http import request_language

VIA = "api"


def _holiday_out(stored: StoredHoliday) -> HolidayOut:
    h = stored.holiday
    return HolidayOut(
        date=h.day,
        kind=h.kind,
        name=h.name,
        source=h.source,
        added_by=stored.added_by,
        added_at=stored.added_at,
        updated_by=stored.updated_by,
        updated_at=stored.updated_at,
    )


def _year_out(summary: YearSummary) -> YearOut:
    done = summary.completion
    return YearOut(
        year=summary.year,
        complete=done is not None,
        decree=done.decree if done else None,
        completed_by=done.completed_by if done else None,
        completed_at=done.completed_at if done else None,
        holidays=summary.holidays,
        cuti_bersama=summary.cuti_bersama,
    )


def router(
    uow: UnitOfWorkFactory,
    auth: Authentication,
    calendars: StoredCalendar,
    *,
    warn_days: int = holidays.WARN_DAYS,
    clock: Callable[[], dt.datetime],
) -> APIRouter:
    """Build the calendar routes; every one needs a district staff or admin token."""
    staff = Depends(auth.regency_staff)
    api = APIRouter(prefix="/v1/calendar", tags=["holiday calendar"], dependencies=[staff])

    async def changed() -> None:
        """Show a committed change in this replica's metrics at once."""
        async with uow() as read:
            current = await calendars.current(read.calendar)
        jobs.report_calendar(holidays.status(current, today(), warn_days), calendars.tz)

    def today() -> dt.date:
        return clock().astimezone(calendars.tz).date()

    @contextlib.asynccontextmanager
    async def staff_change(caller: Caller) -> AsyncIterator[tuple[ReferralUnitOfWork, str]]:
        """One change by district staff: refused with its code, or committed and then shown."""
        async with uow() as tx:
            try:
                yield tx, caller.name
            except CalendarError as exc:
                raise refused(exc) from exc
            await tx.commit()
        await changed()

    @api.get("", response_model=CalendarOut, summary="The calendar's status and years.")
    async def get_calendar(request: Request) -> CalendarOut:
        async with uow() as tx:
            current = await calendars.current(tx.calendar)
            entries = await tx.calendar.holidays()
            complete = await tx.calendar.years()
        state = holidays.status(current, today(), warn_days)
        return CalendarOut(
            timezone=str(calendars.tz),
            today=state.today,
            complete_until=state.complete_until,
            days_left=state.days_left,
            warning=state.warning(request_language(request)),
            cuti_bersama_are_days_off=calendars.cuti_bersama_are_days_off,
            years=[_year_out(y) for y in holidays.year_summaries(entries, complete)],
        )

    @api.get("/holidays", response_model=list[HolidayOut], summary="The stored days off.")
    async def list_holidays(
        year: Annotated[
            int | None, Query(ge=2000, le=2100, description="Only this year's.")
        ] = None,
    ) -> list[HolidayOut]:
        async with uow() as tx:
            return [_holiday_out(h) for h in await tx.calendar.holidays(year)]

    @api.post(
        "/holidays",
        response_model=HolidayOut,
        status_code=201,
        summary="Add a national holiday or a cuti bersama.",
    )
    async def add_holiday(body: HolidayIn, caller: Caller = staff) -> HolidayOut:
        async with staff_change(caller) as (tx, by):
            entry = holidays.holiday(body.date, body.kind, body.name, body.source)
            await calendar.add_holiday(calendar.AddHoliday(entry, by, VIA), tx.calendar)
            stored = await tx.calendar.holiday(entry.day)
        assert stored is not None
        return _holiday_out(stored)

    @api.put(
        "/holidays/{day}",
        response_model=HolidayOut,
        summary="Correct the entry of a date (kind, name, source).",
    )
    async def correct_holiday(
        day: str, body: HolidayCorrection, caller: Caller = staff
    ) -> HolidayOut:
        async with staff_change(caller) as (tx, by):
            entry = holidays.holiday(day, body.kind, body.name, body.source)
            await calendar.correct_holiday(calendar.CorrectHoliday(entry, by, VIA), tx.calendar)
            stored = await tx.calendar.holiday(entry.day)
        assert stored is not None
        return _holiday_out(stored)

    @api.delete("/holidays/{day}", status_code=204, summary="Remove the entry of a date.")
    async def remove_holiday(day: str, caller: Caller = staff) -> None:
        async with staff_change(caller) as (tx, by):
            command = calendar.RemoveHoliday(holidays.parse_date(day), by, VIA)
            await calendar.remove_holiday(command, tx.calendar)

    @api.put(
        "/years/{year}",
        response_model=YearOut,
        summary="Mark a year complete: its decree (SKB 3 Menteri) is loaded.",
    )
    async def complete_year(year: int, body: DecreeIn, caller: Caller = staff) -> YearOut:
        async with staff_change(caller) as (tx, by):
            command = calendar.MarkYearComplete(year, body.decree, by, VIA)
            await calendar.mark_year_complete(command, tx.calendar)
            done = await tx.calendar.year(year)
            entries = await tx.calendar.holidays(year)
        assert done is not None
        [summary] = holidays.year_summaries(entries, [done])
        return _year_out(summary)

    @api.delete("/years/{year}", status_code=204, summary="Mark a year not complete (reopen it).")
    async def reopen_year(year: int, caller: Caller = staff) -> None:
        async with staff_change(caller) as (tx, by):
            await calendar.reopen_year(calendar.ReopenYear(year, by, VIA), tx.calendar)

    @api.get("/audit", response_model=list[AuditOut], summary="Every change, newest first.")
    async def audit(
        limit: Annotated[int, Query(ge=1, le=500)] = 100,
        before: Annotated[
            int | None, Query(ge=1, le=2**63 - 1, description="Changes older than this id.")
        ] = None,
    ) -> list[AuditOut]:
        async with uow() as tx:
            entries = await tx.calendar.audit_log(limit, before)
        return [AuditOut(**vars(e)) for e in entries]

    return api
