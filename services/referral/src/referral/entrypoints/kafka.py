"""Referral's subscriptions: each event runs its use case once, in one transaction."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from referral.adapters.repository import UnitOfWorkFactory
from referral.service_layer.agency_updates import (
    ApplyStatusChange,
    RecordOutcome,
    apply_status_change,
    record_outcome,
)
from referral.service_layer.completion import CompleteNeed, complete_need
from referral.service_layer.context import Context
from referral.service_layer.reopening import ReopenCase, reopen_case
from referral.service_layer.routing import RouteComplaint, route_complaint
from referral.service_layer.rules import KeepAgency, keep_agency
from referral.service_layer.unit_of_work import UnitOfWork
from slrt_shared.consumer import with_inbox
from slrt_shared.contracts import topics
from slrt_shared.contracts.envelope import CloudEvent
from slrt_shared.contracts.events import (
    AgencyRegistered,
    CaseResolved,
    ComplaintCompleted,
    ComplaintCreated,
    ComplaintReopened,
    ReferralUpdated,
)
from slrt_shared.runtime import ServiceRuntime


def subscribe(runtime: ServiceRuntime, uow: UnitOfWorkFactory, context: Context) -> None:
    """Register referral's consumers."""
    runtime.subscribe(
        topics.COMPLAINT_CREATED, with_inbox(uow, ComplaintCreated, on_complaint_created(context))
    )
    runtime.subscribe(
        topics.REFERRAL_UPDATED, with_inbox(uow, ReferralUpdated, on_referral_updated(context))
    )
    runtime.subscribe(
        topics.CASE_RESOLVED, with_inbox(uow, CaseResolved, on_case_resolved(context))
    )
    runtime.subscribe(
        topics.COMPLAINT_REOPENED,
        with_inbox(uow, ComplaintReopened, on_complaint_reopened(context)),
    )
    runtime.subscribe(
        topics.DIRECTORY_AGENCIES, with_inbox(uow, AgencyRegistered, on_agency_registered)
    )
    runtime.subscribe(
        topics.COMPLAINT_COMPLETED,
        with_inbox(uow, ComplaintCompleted, on_complaint_completed(context)),
    )


async def on_agency_registered(uow: UnitOfWork, data: AgencyRegistered, event: CloudEvent) -> None:
    """directory.agencies: a rule may now name the agency."""
    await keep_agency(KeepAgency(data), uow)


def on_complaint_created(
    context: Context,
) -> Callable[[UnitOfWork, ComplaintCreated, CloudEvent], Awaitable[None]]:
    """complaint.created: route the complaint."""

    async def handle(uow: UnitOfWork, data: ComplaintCreated, event: CloudEvent) -> None:
        await route_complaint(RouteComplaint(data), uow, context=context)

    return handle


def on_referral_updated(
    context: Context,
) -> Callable[[UnitOfWork, ReferralUpdated, CloudEvent], Awaitable[None]]:
    """referral.updated: apply the agency's status change."""

    async def handle(uow: UnitOfWork, data: ReferralUpdated, event: CloudEvent) -> None:
        await apply_status_change(ApplyStatusChange(data, event.id), uow, context=context)

    return handle


def on_case_resolved(
    context: Context,
) -> Callable[[UnitOfWork, CaseResolved, CloudEvent], Awaitable[None]]:
    """case.resolved: record the agency's outcome, closing the case when it is the last."""

    async def handle(uow: UnitOfWork, data: CaseResolved, event: CloudEvent) -> None:
        await record_outcome(RecordOutcome(data, event.id), uow, context=context)

    return handle


def on_complaint_reopened(
    context: Context,
) -> Callable[[UnitOfWork, ComplaintReopened, CloudEvent], Awaitable[None]]:
    """complaint.reopened: send the referrals in scope back to their agency."""

    async def handle(uow: UnitOfWork, data: ComplaintReopened, event: CloudEvent) -> None:
        await reopen_case(ReopenCase(data), uow, context=context)

    return handle


def on_complaint_completed(
    context: Context,
) -> Callable[[UnitOfWork, ComplaintCompleted, CloudEvent], Awaitable[None]]:
    """complaint.completed: dispatch again the stage that sent the need back to the village."""

    async def handle(uow: UnitOfWork, data: ComplaintCompleted, event: CloudEvent) -> None:
        await complete_need(CompleteNeed(data, event.id), uow, context=context)

    return handle
