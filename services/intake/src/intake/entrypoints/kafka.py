"""Intake's subscriptions: the events that move a complaint's public timeline."""

from __future__ import annotations

from collections.abc import Callable

from intake.adapters.repository import IntakeUnitOfWork
from intake.service_layer import casework, tracking
from slrt_shared.consumer import with_inbox
from slrt_shared.contracts import topics
from slrt_shared.contracts.events import (
    CaseResolved,
    ComplaintClosed,
    ReferralDispatched,
    ReferralEscalated,
    ReferralUpdated,
)
from slrt_shared.runtime import ServiceRuntime


def subscribe(runtime: ServiceRuntime, uow: Callable[[], IntakeUnitOfWork]) -> None:
    """Register intake's consumers, each running in a unit of work of `uow` with the inbox.

    The factory is typed with the adapter: the shared inbox claims the event in the same
    Postgres transaction.
    """
    runtime.subscribe(
        topics.REFERRAL_DISPATCHED, with_inbox(uow, ReferralDispatched, tracking.on_dispatched)
    )
    runtime.subscribe(
        topics.REFERRAL_UPDATED, with_inbox(uow, ReferralUpdated, tracking.on_updated)
    )
    runtime.subscribe(
        topics.REFERRAL_ESCALATED, with_inbox(uow, ReferralEscalated, tracking.on_escalated)
    )
    runtime.subscribe(topics.CASE_RESOLVED, with_inbox(uow, CaseResolved, tracking.on_resolved))
    runtime.subscribe(topics.COMPLAINT_CLOSED, with_inbox(uow, ComplaintClosed, tracking.on_closed))
    runtime.subscribe(
        topics.REFERRAL_CASEWORK, with_inbox(uow, casework.CaseWorkStep, casework.on_casework)
    )
