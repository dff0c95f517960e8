"""The gateway's subscriptions: each event's use case in a unit of work with the inbox."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from gateway.adapters.repository import GatewayUnitOfWork, UnitOfWorkFactory
from gateway.service_layer import casework, directory, erasure, inbound
from gateway.service_layer.inbound import Announced
from gateway.service_layer.unit_of_work import GatewayUnit
from slrt_shared.consumer import InboxHandler, InboxHandlersByType, with_inbox
from slrt_shared.contracts import topics
from slrt_shared.contracts.envelope import CloudEvent
from slrt_shared.contracts.events import (
    ComplaintPii,
    ComplaintPiiErased,
    EventData,
    ReferralDispatched,
    ReferralEscalated,
    RoutingRuleChanged,
)
from slrt_shared.runtime import ServiceRuntime

D = TypeVar("D", bound=EventData)


def handled(
    uow: UnitOfWorkFactory,
    model: type[D],
    use_case: Callable[[Announced[D], GatewayUnit], Awaitable[None]],
) -> InboxHandler[GatewayUnitOfWork, D]:
    """Run an event's use case once per event, in one transaction with its inbox record."""

    async def run(unit: GatewayUnitOfWork, data: D, event: CloudEvent) -> None:
        await use_case(Announced.of(data, event), unit)

    return with_inbox(uow, model, run)


def subscribe(runtime: ServiceRuntime, uow: UnitOfWorkFactory) -> None:
    """Register the gateway's consumers, each event handled in a unit of work of its own."""
    # complaint.pii carries two event types: a resident's record and its erasure.
    on_complaint_pii = InboxHandlersByType(
        handled(uow, ComplaintPii, erasure.on_pii_unless_erased),
        {ComplaintPiiErased.event_type: handled(uow, ComplaintPiiErased, erasure.on_pii_erased)},
    )
    runtime.subscribe(topics.COMPLAINT_PII, on_complaint_pii)
    runtime.subscribe(
        topics.REFERRAL_DISPATCHED, handled(uow, ReferralDispatched, inbound.on_dispatched)
    )
    runtime.subscribe(
        topics.REFERRAL_ESCALATED, handled(uow, ReferralEscalated, inbound.on_escalated)
    )
    runtime.subscribe(
        topics.REFERRAL_CASEWORK, handled(uow, casework.CaseWorkStep, casework.on_casework)
    )
    runtime.subscribe(
        topics.ROUTING_RULES, handled(uow, RoutingRuleChanged, directory.on_rule_changed)
    )
