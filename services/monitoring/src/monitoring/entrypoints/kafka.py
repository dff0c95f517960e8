"""Monitoring's subscriptions: every topic but the ones with personal data."""

from __future__ import annotations

from monitoring.adapters.repository import MonitoringUnitOfWork
from monitoring.service_layer import projections as p
from slrt_shared.consumer import with_inbox
from slrt_shared.contracts import topics
from slrt_shared.contracts.events import (
    CaseResolved,
    ComplaintClosed,
    ComplaintCreated,
    ReferralDispatched,
    ReferralEscalated,
    ReferralUpdated,
)
from slrt_shared.runtime import ServiceRuntime


def subscribe(runtime: ServiceRuntime) -> None:
    """Register monitoring's consumers."""

    def uow() -> MonitoringUnitOfWork:
        return MonitoringUnitOfWork(runtime.pool, runtime.layout)

    runtime.subscribe(topics.COMPLAINT_CREATED, with_inbox(uow, ComplaintCreated, p.on_created))
    runtime.subscribe(
        topics.REFERRAL_DISPATCHED, with_inbox(uow, ReferralDispatched, p.on_dispatched)
    )
    runtime.subscribe(topics.REFERRAL_UPDATED, with_inbox(uow, ReferralUpdated, p.on_updated))
    runtime.subscribe(topics.REFERRAL_ESCALATED, with_inbox(uow, ReferralEscalated, p.on_escalated))
    runtime.subscribe(topics.CASE_RESOLVED, with_inbox(uow, CaseResolved, p.on_resolved))
    runtime.subscribe(topics.COMPLAINT_CLOSED, with_inbox(uow, ComplaintClosed, p.on_closed))
