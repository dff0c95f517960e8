"""The holiday calendar's API for district staff and the admin: read it, keep it, see its audit."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections import Counter
from collections.abc import AsyncIterator, Callable
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from referral.adapters.repository import ReferralUnitOfWork
from referral.domain import holidays
from referral.domain.holidays import CalendarError, StoredHoliday
from referral.domain.staff import Staff
from referral.entrypoints import scheduler
from referral.entrypoints.http import authenticate
from referral.service_layer import calendar
from referral.service_layer.calendar import StoredCalendar
from slrt_shared.http import ApiError, request_language
from slrt_shared.runtime import ServiceRuntime
from slrt_shared.tokens import bearer, hash_token

VIA = "api"
_STATUS = {"holiday_exists": 409, "holiday_not_found": 404, "year_not_complete": 404}


class HolidayIn(BaseModel):
    """A day off to add: a national holiday or a cuti bersama, with its name and source."""

    model_config = ConfigDict(extra="forbid")

    date: str = Field(description="YYYY-MM-DD.", examples=["2027-03-26"])
    kind: str = Field(
        description="`holiday` (hari libur nasional) or `cuti_bersama`.", examples=["holiday"]
    )
    name: str = Field(description="Its name in Bahasa Indonesia.", examples=["Wafat Yesus Kristus"])
    source: str = Field(
        description="Where it comes from, e.g. the decree's number.",
        examples=["SKB 3 Menteri 2027 (Nomor .../2026)"],
    )


class HolidayCorrection(BaseModel):
    """The corrected entry of a date (every field; to move a day, remove it and add another)."""

    model_config = ConfigDict(extra="forbid")

    kind: str = Field(description="`holiday` or `cuti_bersama`.", examples=["cuti_bersama"])
    name: str = Field(examples=["Cuti bersama Idulfitri 1448 H"])
    source: str = Field(examples=["SKB 3 Menteri 2027 (Nomor .../2026)"])


class DecreeIn(BaseModel):
    """The decree whose holidays and cuti bersama of the year are now all loaded."""

    model_config = ConfigDict(extra="forbid")

    decree: str = Field(
        description="Reference of the year's SKB 3 Menteri.",
        examples=["SKB Nomor 1497 Tahun 2025, Nomor 2 Tahun 2025, Nomor 5 Tahun 2025"],
    )


class HolidayOut(BaseModel):
    """A day off in the stored calendar."""

    date: dt.date
    kind: str = Field(examples=["holiday", "cuti_bersama"])
    name: str
    source: str
    added_by: str
    added_at: dt.datetime
    updated_by: str | None
    updated_at: dt.datetime | None


class YearOut(BaseModel):
    """A year of the calendar: complete (its decree loaded) or not, and what it holds."""

    year: int
    complete: bool
    decree: str | None = Field(description="The decree recorded when the year was completed.")
    completed_by: str | None
    completed_at: dt.datetime | None
    holidays: int = Field(description="National holidays stored for the year.")
    cuti_bersama: int = Field(description="Cuti bersama stored for the year.")


class CalendarOut(BaseModel):
    """How far the calendar is complete, and each year it knows."""

    timezone: str
    today: dt.date
    complete_until: dt.date | None = Field(
        description="Last day of the run of complete years from today's on (null: none)."
    )
    days_left: int | None = Field(description="Days from today to complete_until.")
    warning: str | None = Field(
        description="Set when fewer days than the warning threshold (90) remain."
    )
    cuti_bersama_are_days_off: bool = Field(
        description="Whether SLAs skip cuti bersama (otherwise they count as working days)."
    )
    years: list[YearOut]


class AuditOut(BaseModel):
    """One change to the calendar."""

    id: int
    entity: str = Field(examples=["holiday", "year"])
    subject: str = Field(description="The date or the year changed.", examples=["2027-01-01"])
    action: str = Field(examples=["add", "correct", "remove", "complete", "reopen"])
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    by: str
    via: str = Field(examples=["api", "cli", "seed"])
    at: dt.datetime


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


def _refused(exc: CalendarError) -> ApiError:
    return ApiError(_STATUS.get(exc.code, 422), exc.code, exc.message, message_id=exc.message_id)


def who(holder: Staff, authorization: str | None) -> str:
    """How the audit names a caller: the admin, or district staff and which token they used."""
    if holder.kind == "admin":
        return "admin"
    token = bearer(authorization) or ""
    return f"district {holder.regency_code} (token {hash_token(token)[:8]})"


def router(
    runtime: ServiceRuntime,
    calendars: StoredCalendar,
    *,
    warn_days: int = holidays.WARN_DAYS,
    clock: Callable[[], dt.datetime],
) -> APIRouter:
    """Build the calendar routes; every one needs a district staff or admin token."""
    api = APIRouter(prefix="/v1/calendar", tags=["holiday calendar"])

    async def caller(uow: ReferralUnitOfWork, authorization: str | None) -> str:
        holder = await authenticate(uow, authorization, runtime.settings.admin_token)
        return who(holder, authorization)

    async def changed() -> None:
        """Show a committed change in this replica's metrics at once."""
        async with ReferralUnitOfWork(runtime.pool, runtime.layout) as read:
            current = await calendars.current(read.calendar)
        scheduler.report_calendar(holidays.status(current, today(), warn_days), calendars.tz)

    def today() -> dt.date:
        return clock().astimezone(calendars.tz).date()

    @contextlib.asynccontextmanager
    async def staff_change(
        authorization: str | None,
    ) -> AsyncIterator[tuple[ReferralUnitOfWork, str]]:
        """One change by district staff: authenticated, refused with its code, then shown."""
        async with ReferralUnitOfWork(runtime.pool, runtime.layout) as uow:
            by = await caller(uow, authorization)
            try:
                yield uow, by
            except CalendarError as exc:
                raise _refused(exc) from exc
            await uow.commit()
        await changed()

    @api.get("", response_model=CalendarOut, summary="The calendar's status and years.")
    async def get_calendar(
        request: Request, authorization: Annotated[str | None, Header()] = None
    ) -> CalendarOut:
        async with ReferralUnitOfWork(runtime.pool, runtime.layout) as uow:
            await caller(uow, authorization)
            current = await calendars.current(uow.calendar)
            entries = await uow.calendar.holidays()
            complete = {y.year: y for y in await uow.calendar.years()}
        state = holidays.status(current, today(), warn_days)
        counts = Counter((e.holiday.day.year, e.holiday.kind) for e in entries)
        years = sorted({y for y, _ in counts} | set(complete))
        return CalendarOut(
            timezone=str(calendars.tz),
            today=state.today,
            complete_until=state.complete_until,
            days_left=state.days_left,
            warning=state.warning(request_language(request)),
            cuti_bersama_are_days_off=calendars.cuti_bersama_are_days_off,
            years=[
                YearOut(
                    year=y,
                    complete=y in complete,
                    decree=complete[y].decree if y in complete else None,
                    completed_by=complete[y].completed_by if y in complete else None,
                    completed_at=complete[y].completed_at if y in complete else None,
                    holidays=counts[(y, "holiday")],
                    cuti_bersama=counts[(y, "cuti_bersama")],
                )
                for y in years
            ],
        )

    @api.get("/holidays", response_model=list[HolidayOut], summary="The stored days off.")
    async def list_holidays(
        year: Annotated[
            int | None, Query(ge=2000, le=2100, description="Only this year's.")
        ] = None,
        authorization: Annotated[str | None, Header()] = None,
    ) -> list[HolidayOut]:
        async with ReferralUnitOfWork(runtime.pool, runtime.layout) as uow:
            await caller(uow, authorization)
            return [_holiday_out(h) for h in await uow.calendar.holidays(year)]

    @api.post(
        "/holidays",
        response_model=HolidayOut,
        status_code=201,
        summary="Add a national holiday or a cuti bersama.",
    )
    async def add_holiday(
        body: HolidayIn, authorization: Annotated[str | None, Header()] = None
    ) -> HolidayOut:
        async with staff_change(authorization) as (uow, by):
            entry = holidays.holiday(body.date, body.kind, body.name, body.source)
            await calendar.add_holiday(uow.calendar, entry, by, VIA)
            stored = await uow.calendar.holiday(entry.day)
        assert stored is not None
        return _holiday_out(stored)

    @api.put(
        "/holidays/{day}",
        response_model=HolidayOut,
        summary="Correct the entry of a date (kind, name, source).",
    )
    async def correct_holiday(
        day: str, body: HolidayCorrection, authorization: Annotated[str | None, Header()] = None
    ) -> HolidayOut:
        async with staff_change(authorization) as (uow, by):
            entry = holidays.holiday(day, body.kind, body.name, body.source)
            await calendar.correct_holiday(uow.calendar, entry, by, VIA)
            stored = await uow.calendar.holiday(entry.day)
        assert stored is not None
        return _holiday_out(stored)

    @api.delete("/holidays/{day}", status_code=204, summary="Remove the entry of a date.")
    async def remove_holiday(
        day: str, authorization: Annotated[str | None, Header()] = None
    ) -> None:
        async with staff_change(authorization) as (uow, by):
            await calendar.remove_holiday(uow.calendar, holidays.parse_date(day), by, VIA)

    @api.put(
        "/years/{year}",
        response_model=YearOut,
        summary="Mark a year complete: its decree (SKB 3 Menteri) is loaded.",
    )
    async def complete_year(
        year: int, body: DecreeIn, authorization: Annotated[str | None, Header()] = None
    ) -> YearOut:
        async with staff_change(authorization) as (uow, by):
            await calendar.complete_year(uow.calendar, year, body.decree, by, VIA)
            done = await uow.calendar.year(year)
            entries = await uow.calendar.holidays(year)
        assert done is not None
        kinds = Counter(e.holiday.kind for e in entries)
        return YearOut(
            year=year,
            complete=True,
            decree=done.decree,
            completed_by=done.completed_by,
            completed_at=done.completed_at,
            holidays=kinds["holiday"],
            cuti_bersama=kinds["cuti_bersama"],
        )

    @api.delete("/years/{year}", status_code=204, summary="Mark a year not complete (reopen it).")
    async def reopen_year(year: int, authorization: Annotated[str | None, Header()] = None) -> None:
        async with staff_change(authorization) as (uow, by):
            await calendar.reopen_year(uow.calendar, year, by, VIA)

    @api.get("/audit", response_model=list[AuditOut], summary="Every change, newest first.")
    async def audit(
        limit: Annotated[int, Query(ge=1, le=500)] = 100,
        before: Annotated[
            int | None, Query(ge=1, le=2**63 - 1, description="Changes older than this id.")
        ] = None,
        authorization: Annotated[str | None, Header()] = None,
    ) -> list[AuditOut]:
        async with ReferralUnitOfWork(runtime.pool, runtime.layout) as uow:
            await caller(uow, authorization)
            entries = await uow.calendar.audit_log(limit, before)
        return [AuditOut(**vars(e)) for e in entries]

    return api
