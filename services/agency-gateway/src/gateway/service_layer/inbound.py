"""Events from the platform: residents' data, new referrals, escalations."""

from __future__ import annotations

import logging

from gateway.domain.disclosure import Resident
from gateway.domain.referrals import Referral, escalate
from gateway.service_layer.ports import GatewayUnit
from gateway.service_layer.views import publish_copy
from slrt_shared.contracts.envelope import CloudEvent
from slrt_shared.contracts.events import ComplaintPii, ReferralDispatched, ReferralEscalated

log = logging.getLogger(__name__)


async def on_pii(uow: GatewayUnit, data: ComplaintPii, event: CloudEvent) -> None:
    """Keep the resident's data; agencies already holding a referral get it on a new copy."""
    await uow.save_resident(
        Resident(
            complaint_id=data.complaint_id,
            nik=data.nik,
            name=data.name,
            phone=data.phone,
            address=data.address,
            description=data.description,
        )
    )
    for referral in await uow.referrals_of_complaint(data.complaint_id):
        if not referral.terminal:
            await publish_copy(uow, referral, event.type, event.time)


async def on_dispatched(uow: GatewayUnit, data: ReferralDispatched, event: CloudEvent) -> None:
    """Take a new referral into the agency's inbox and onto its topic."""
    referral = Referral(
        id=data.referral_id,
        complaint_id=data.complaint_id,
        ticket=data.ticket,
        village_code=data.village_code,
        service_code=data.service_code,
        agency_code=data.agency_code,
        attempt=data.attempt,
        status="dispatched",
        dispatched_at=data.dispatched_at,
        due_at=data.due_at,
        updated_at=data.dispatched_at,
    )
    if await uow.add_referral(referral):
        await publish_copy(uow, referral, event.type, data.dispatched_at)


async def on_escalated(uow: GatewayUnit, data: ReferralEscalated, event: CloudEvent) -> None:
    """Mark a referral escalated and tell its agency."""
    referral = await uow.referral(data.referral_id, for_update=True)
    if referral is None:
        # Dispatch and escalation share the complaint's partition number and are worked in
        # publication order, so this is a referral the gateway never received (dispatched
        # before it was deployed): nothing to tell anyone.
        log.warning("escalation of unknown referral %s ignored", data.referral_id)
        return
    escalated = escalate(referral, data.level, data.at)
    await uow.save(escalated)
    await publish_copy(uow, escalated, event.type, data.at)
