"""Background jobs: escalation (every replica; row locks keep escalations single) and the
calendar watch (its metrics, and a warning when the complete calendar is about to end)."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from prometheus_client import Gauge

from referral.adapters.repository import UnitOfWorkFactory
from referral.domain import holidays
from referral.domain.holidays import CalendarStatus
from referral.domain.sla import END_OF_DAY
from referral.service_layer.calendar import StoredCalendar
from referral.service_layer.context import Context
from referral.service_layer.escalation import EscalateOverdue, escalate_overdue

log = logging.getLogger(__name__)

BATCH = 200
WARN_EVERY = timedelta(days=1).total_seconds()

CALENDAR_COMPLETE_UNTIL = Gauge(
    "slrt_sla_calendar_complete_until_timestamp_seconds",
    "End (23:59:59 local) of the last day the SLA holiday calendar is complete for, as Unix time;"
    " 0 when neither this year nor last year is complete.",
)
CALENDAR_DAYS_LEFT = Gauge(
    "slrt_sla_calendar_complete_until_days",
    "Days from today to the last day the SLA holiday calendar is complete for (negative once"
    " past; -Inf when neither this year nor last year is complete). Alert below 90.",
)


def escalation_job(
    uow: UnitOfWorkFactory, context: Context, interval: float
) -> Callable[[], Awaitable[None]]:
    """A background job that escalates overdue referrals every `interval` seconds."""

    async def run() -> None:
        while True:
            async with uow() as tx:
                escalated = await escalate_overdue(EscalateOverdue(BATCH), tx, context=context)
                await tx.commit()
            if escalated:
                log.info("escalated %s overdue referrals", escalated)
            if escalated < BATCH:
                await asyncio.sleep(interval)

    return run


def report_calendar(status: CalendarStatus, tz: ZoneInfo) -> None:
    """Show the calendar's status in the metrics."""
    until = status.complete_until
    if until is None:
        CALENDAR_COMPLETE_UNTIL.set(0)
        CALENDAR_DAYS_LEFT.set(float("-inf"))
        return
    CALENDAR_COMPLETE_UNTIL.set(datetime.combine(until, END_OF_DAY, tz).timestamp())
    CALENDAR_DAYS_LEFT.set(status.days_left or 0)


def calendar_watch_job(
    uow: UnitOfWorkFactory,
    calendars: StoredCalendar,
    context: Context,
    *,
    interval: float,
    warn_days: int = holidays.WARN_DAYS,
) -> Callable[[], Awaitable[None]]:
    """A job that keeps the calendar metrics current and warns at start, then once a day."""

    async def run() -> None:
        warned_at: float | None = None
        while True:
            async with uow() as tx:
                calendar = await calendars.current(tx.calendar)
            today = context.clock().astimezone(calendars.tz).date()
            status = holidays.status(calendar, today, warn_days)
            report_calendar(status, calendars.tz)
            if not status.needs_attention:
                warned_at = None
            elif warned_at is None or time.monotonic() - warned_at >= WARN_EVERY:
                log.warning("%s", status.warning("en"))
                warned_at = time.monotonic()
            await asyncio.sleep(interval)

    return run
