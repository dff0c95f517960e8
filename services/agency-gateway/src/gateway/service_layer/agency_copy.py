"""The agency's own copy of a referral: the write every change of a referral ends with.

Each use case that changes what an agency may see of a referral (an action, a new referral, an
escalation, the resident's data arriving or being erased) puts the referral as it now stands
on the agency's topic through the outbox, and queues it for the agency's webhook.
"""

from __future__ import annotations

from datetime import datetime

from gateway.domain.disclosure import AgencyView, ReferralAtHand, view_for_agency
from gateway.domain.referrals import Referral
from gateway.domain.webhooks import Delivery
from gateway.service_layer.unit_of_work import GatewayUnit
from gateway.service_layer.views import agency_views
from slrt_shared.contracts.envelope import CloudEvent, new_event
from slrt_shared.contracts.events import AgencyReferral, Resident

SOURCE = "/slrt/agency-gateway"


def copy_event(referral: Referral, view: AgencyView, change: str, at: datetime) -> CloudEvent:
    """The agency's own copy of a referral as it now stands, seen as the agency may see it."""
    copy = AgencyReferral(
        referral_id=referral.id,
        complaint_id=referral.complaint_id,
        ticket=referral.ticket,
        village_code=referral.village_code,
        service_code=referral.service_code,
        agency_code=referral.agency_code,
        status=referral.status,
        change=change,
        due_at=referral.due_at,
        escalation_level=referral.escalation_level,
        outcome=referral.outcome,
        resident=Resident.model_validate(view.resident) if view.resident else None,
        need_detail=view.need_detail,
        at=at,
    )
    return new_event(copy, source=SOURCE, subject=referral.complaint_id, time=at)


def delivery_of(event: CloudEvent, referral: Referral, change: str) -> Delivery:
    """The webhook delivery of a copy, carrying the very event put on the agency's topic."""
    return Delivery(event.id, referral.agency_code, referral.id, change, event.to_bytes().decode())


async def publish_copy(uow: GatewayUnit, referral: Referral, change: str, at: datetime) -> None:
    """Put the agency's own copy of a referral, as it now stands, on its topic and webhook."""
    [view] = await agency_views(uow, [referral])
    event = copy_event(referral, view, change, at)
    uow.announce(event)
    if await uow.webhook(referral.agency_code) is not None:
        d = delivery_of(event, referral, change)
        await uow.enqueue_delivery(d.id, d.agency_code, d.referral_id, d.event_type, d.payload)


async def announce_copies(
    uow: GatewayUnit,
    copies: list[tuple[ReferralAtHand, str, datetime]],
    changed: Referral | None = None,
) -> None:
    """Put copies of referrals read with their copies' data (nothing more is read) on their
    agencies' topics, and queue their webhook deliveries with `changed` saved, in one statement
    (none when there is nothing to save)."""
    deliveries = []
    for at_hand, change, at in copies:
        referral = at_hand.referral
        view = view_for_agency(referral, at_hand.resident, at_hand.pii_level, at_hand.erased)
        event = copy_event(referral, view, change, at)
        uow.announce(event)
        if at_hand.has_webhook:
            deliveries.append(delivery_of(event, referral, change))
    if changed is not None or deliveries:
        await uow.save_copies(changed, deliveries)
