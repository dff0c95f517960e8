"""Events from the platform: residents' data, new referrals, escalations."""

from __future__ import annotations

from gateway.adapters.repository import GatewayUnitOfWork
from gateway.service_layer.views import publish_copy
from slrt_shared.contracts.envelope import CloudEvent
from slrt_shared.contracts.events import ComplaintPii, ReferralDispatched, ReferralEscalated


async def on_pii(uow: GatewayUnitOfWork, data: ComplaintPii, event: CloudEvent) -> None:
    """Keep the resident's data for the agencies that will need it."""
    await uow.save_resident(data.complaint_id, data.model_dump())


async def on_dispatched(
    uow: GatewayUnitOfWork, data: ReferralDispatched, event: CloudEvent
) -> None:
    """Take a new referral into the agency's inbox and onto its topic."""
    if await uow.add_referral(data.model_dump()):
        await publish_copy(uow, data.referral_id, event.type)


async def on_escalated(uow: GatewayUnitOfWork, data: ReferralEscalated, event: CloudEvent) -> None:
    """Mark a referral escalated and tell its agency."""
    if await uow.referral(data.referral_id) is None:
        return
    await uow.update(data.referral_id, escalation_level=data.level)
    await publish_copy(uow, data.referral_id, event.type)
