"""Monitoring's subscriptions: every topic but the ones with personal data."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from monitoring.adapters.unit_of_work import MonitoringUnitOfWork, UnitOfWorkFactory
from monitoring.service_layer import programmes, verdicts
from monitoring.service_layer import projections as p
from monitoring.service_layer.unit_of_work import UnitOfWork
from slrt_shared.consumer import EventHandler, with_inbox
from slrt_shared.contracts import topics
from slrt_shared.contracts.envelope import CloudEvent
from slrt_shared.contracts.events import (
    AgencyRegistered,
    CaseResolved,
    ComplaintClosed,
    ComplaintCreated,
    ComplaintRated,
    ComplaintReopened,
    EventData,
    FacilitatorRegistered,
    GraduationDecided,
    GraduationTargetSet,
    ReferralDispatched,
    ReferralEscalated,
    ReferralUpdated,
)
from slrt_shared.runtime import ServiceRuntime

D = TypeVar("D", bound=EventData)


def _projection(
    uow: UnitOfWorkFactory, model: type[D], handler: Callable[[D, UnitOfWork], Awaitable[None]]
) -> EventHandler:
    """Apply an event's payload with `handler(payload, uow)`, once per event (inbox)."""

    async def use_case(unit: MonitoringUnitOfWork, data: D, _: CloudEvent) -> None:
        await handler(data, unit)

    return with_inbox(uow, model, use_case)


def handlers(uow: UnitOfWorkFactory) -> dict[str, EventHandler]:
    """Monitoring's handler of each consumed topic."""
    return {
        topics.COMPLAINT_CREATED: _projection(uow, ComplaintCreated, p.on_created),
        topics.REFERRAL_DISPATCHED: _projection(uow, ReferralDispatched, p.on_dispatched),
        topics.REFERRAL_UPDATED: _projection(uow, ReferralUpdated, p.on_updated),
        topics.REFERRAL_ESCALATED: _projection(uow, ReferralEscalated, p.on_escalated),
        topics.CASE_RESOLVED: _projection(uow, CaseResolved, p.on_resolved),
        topics.COMPLAINT_CLOSED: _projection(uow, ComplaintClosed, p.on_closed),
        topics.DIRECTORY_AGENCIES: _projection(uow, AgencyRegistered, p.on_agency_registered),
        topics.COMPLAINT_RATED: _projection(uow, ComplaintRated, verdicts.on_rated),
        topics.COMPLAINT_REOPENED: _projection(uow, ComplaintReopened, verdicts.on_reopened),
        topics.PROGRAMME_FACILITATORS: _projection(
            uow, FacilitatorRegistered, programmes.on_facilitator
        ),
        topics.PROGRAMME_TARGETS: _projection(uow, GraduationTargetSet, programmes.on_target),
        topics.PROGRAMME_GRADUATIONS: _projection(uow, GraduationDecided, programmes.on_graduation),
    }


def subscribe(runtime: ServiceRuntime, uow: UnitOfWorkFactory) -> None:
    """Register monitoring's consumers."""
    for topic, handler in handlers(uow).items():
        runtime.subscribe(topic, handler)
