"""The gateway's subscriptions."""

from __future__ import annotations

from gateway.adapters.repository import GatewayUnitOfWork
from gateway.service_layer import inbound
from slrt_shared.consumer import with_inbox
from slrt_shared.contracts import topics
from slrt_shared.contracts.events import ComplaintPii, ReferralDispatched, ReferralEscalated
from slrt_shared.runtime import ServiceRuntime


def subscribe(runtime: ServiceRuntime) -> None:
    """Register the gateway's consumers."""

    def uow() -> GatewayUnitOfWork:
        return GatewayUnitOfWork(runtime.pool, runtime.layout)

    runtime.subscribe(topics.COMPLAINT_PII, with_inbox(uow, ComplaintPii, inbound.on_pii))
    runtime.subscribe(
        topics.REFERRAL_DISPATCHED, with_inbox(uow, ReferralDispatched, inbound.on_dispatched)
    )
    runtime.subscribe(
        topics.REFERRAL_ESCALATED, with_inbox(uow, ReferralEscalated, inbound.on_escalated)
    )
