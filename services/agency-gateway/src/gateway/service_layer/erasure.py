"""Erasure of a complaint's personal data, announced by intake on complaint.pii.

Both event types of complaint.pii share the complaint's partition, so the erasure is read after
the personal record it erases; a personal record read after its erasure (a replay of the
topic, a redelivery) finds the tombstone and is dropped.
"""

from __future__ import annotations

import logging

from gateway.service_layer import inbound
from gateway.service_layer.agency_copy import publish_copy
from gateway.service_layer.inbound import Announced
from gateway.service_layer.unit_of_work import GatewayUnit
from slrt_shared.contracts.events import ComplaintPii, ComplaintPiiErased

log = logging.getLogger(__name__)


async def on_pii_erased(command: Announced[ComplaintPiiErased], uow: GatewayUnit) -> None:
    """Erase the gateway's copy of a complaint's personal data and remember that it did.

    Each agency gets a new copy of its referrals without the resident (`change` is the erasure's
    type), so an agency keeping copies of its own knows to erase them too.
    """
    data = command.data
    await uow.lock_complaint(data.complaint_id)
    if await uow.is_erased(data.complaint_id):
        return  # a second announcement (a request after retention): nothing left to do
    await uow.erase_complaint(data.complaint_id, data.erased_at, data.cause)
    for referral in await uow.referrals_of_complaint(data.complaint_id):
        await publish_copy(uow, referral, command.type, data.erased_at)
    log.info("personal data of complaint %s erased (%s)", data.complaint_id, data.cause)


async def on_pii_unless_erased(command: Announced[ComplaintPii], uow: GatewayUnit) -> None:
    """Keep a resident's data, unless the complaint's data was erased already."""
    # The erasure's tombstone is looked for in the statement that keeps the data.
    await inbound.on_pii(command, uow)
