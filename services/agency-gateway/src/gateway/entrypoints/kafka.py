"""The gateway's subscriptions."""

from __future__ import annotations

from gateway.adapters.repository import UnitOfWorkFactory
from gateway.service_layer import erasure, inbound
from slrt_shared.consumer import with_inbox
from slrt_shared.contracts import topics
from slrt_shared.contracts.envelope import CloudEvent
from slrt_shared.contracts.events import (
    ComplaintPii,
    ComplaintPiiErased,
    ReferralDispatched,
    ReferralEscalated,
)
from slrt_shared.runtime import ServiceRuntime


def subscribe(runtime: ServiceRuntime, uow: UnitOfWorkFactory) -> None:
    """Register the gateway's consumers, each event handled in a unit of work of its own."""

    personal = with_inbox(uow, ComplaintPii, erasure.on_pii_unless_erased)
    erased = with_inbox(uow, ComplaintPiiErased, erasure.on_pii_erased)

    async def on_complaint_pii(event: CloudEvent) -> None:
        # complaint.pii carries two event types: a resident's record and its erasure.
        await (erased if event.type == ComplaintPiiErased.event_type else personal)(event)

    runtime.subscribe(topics.COMPLAINT_PII, on_complaint_pii)
    runtime.subscribe(
        topics.REFERRAL_DISPATCHED, with_inbox(uow, ReferralDispatched, inbound.on_dispatched)
    )
    runtime.subscribe(
        topics.REFERRAL_ESCALATED, with_inbox(uow, ReferralEscalated, inbound.on_escalated)
    )
