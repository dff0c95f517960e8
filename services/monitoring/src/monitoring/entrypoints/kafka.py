"""Monitoring's subscriptions: every topic but the ones with personal data."""

from __future__ import annotations

from monitoring.adapters.unit_of_work import UnitOfWorkFactory
from monitoring.service_layer import projections as p
from slrt_shared.consumer import EventHandler, with_inbox
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


def handlers(uow: UnitOfWorkFactory) -> dict[str, EventHandler]:
    """Monitoring's handler of each consumed topic."""
    return {
        topics.COMPLAINT_CREATED: with_inbox(uow, ComplaintCreated, p.on_created),
        topics.REFERRAL_DISPATCHED: with_inbox(uow, ReferralDispatched, p.on_dispatched),
        topics.REFERRAL_UPDATED: with_inbox(uow, ReferralUpdated, p.on_updated),
        topics.REFERRAL_ESCALATED: with_inbox(uow, ReferralEscalated, p.on_escalated),
        topics.CASE_RESOLVED: with_inbox(uow, CaseResolved, p.on_resolved),
        topics.COMPLAINT_CLOSED: with_inbox(uow, ComplaintClosed, p.on_closed),
    }


def subscribe(runtime: ServiceRuntime, uow: UnitOfWorkFactory) -> None:
    """Register monitoring's consumers."""
    for topic, handler in handlers(uow).items():
        runtime.subscribe(topic, handler)
