"""What the use cases depend on besides the unit of work: the district calendar and a clock."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from referral.domain.sla import Calendar
from referral.service_layer.calendar import StoredCalendar
from referral.service_layer.unit_of_work import UnitOfWork
from slrt_shared import clock

SOURCE = "/slrt/referral"


def utcnow() -> datetime:
    """The platform's domain time in UTC (`slrt_shared.clock`: a demo's replay may shift it)."""
    return clock.now()


@dataclass(frozen=True)
class Context:
    """The calendar to count deadlines with, the clock and the reopening window, for the use cases.

    The calendar is the stored one (read in each transaction, cached) or, in tests, a fixed
    value.
    """

    calendar: Calendar | StoredCalendar = field(default_factory=Calendar)
    clock: Callable[[], datetime] = utcnow
    # Working days after closing during which a case may be reopened (REFERRAL_REOPEN_...).
    reopen_working_days: int = 10

    async def calendar_in(self, uow: UnitOfWork) -> Calendar:
        """The calendar to count deadlines with in this transaction."""
        if isinstance(self.calendar, Calendar):
            return self.calendar
        return await self.calendar.current(uow.calendar)
