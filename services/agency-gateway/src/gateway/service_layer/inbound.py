"""Events from the platform: residents' data, new referrals, escalations.

They may be read in any order and side by side: with several replicas, partition N of
complaint.pii, referral.dispatched and referral.escalated may belong to different members. So
each handler first takes its complaint's lock (the transactions of one complaint run one after
the other, and each sees what the one before it committed), and what comes early is kept: the
resident's data until its referrals arrive, an escalation until its referral's dispatch.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Generic, TypeVar
from uuid import UUID

from gateway.domain import casework
from gateway.domain.disclosure import Resident
from gateway.domain.referrals import Escalation, Referral, escalate, keep_early
from gateway.service_layer.agency_copy import announce_copies, publish_copy
from gateway.service_layer.unit_of_work import GatewayUnit
from slrt_shared.contracts.envelope import CloudEvent
from slrt_shared.contracts.events import (
    ComplaintPii,
    EventData,
    ReferralDispatched,
    ReferralEscalated,
)

log = logging.getLogger(__name__)

D = TypeVar("D", bound=EventData)


@dataclass(frozen=True)
class Announced(Generic[D]):
    """The command of an event's use case: what the platform announced, of which type, when."""

    data: D
    type: str
    time: datetime
    event_id: UUID

    @classmethod
    def of(cls, data: D, event: CloudEvent) -> Announced[D]:
        """The command of an event read from its topic, with its data already parsed."""
        return cls(data, event.type, event.time, event.id)


async def on_pii(command: Announced[ComplaintPii], uow: GatewayUnit) -> None:
    """Keep the resident's data; agencies already holding a referral get it on a new copy.

    A record of a complaint whose data was erased already (a replay, a redelivery) is dropped.
    """
    data = command.data
    await uow.lock_complaint(data.complaint_id)
    kept = await uow.keep_resident(
        Resident(
            complaint_id=data.complaint_id,
            nik=data.nik,
            name=data.name,
            phone=data.phone,
            address=data.address,
            description=data.description,
            need_details=dict(data.need_details),
        )
    )
    if kept.erased:
        log.info("personal record of erased complaint %s dropped", data.complaint_id)
        return
    await announce_copies(
        uow, [(r, command.type, command.time) for r in kept.referrals if not r.referral.terminal]
    )


async def on_dispatched(command: Announced[ReferralDispatched], uow: GatewayUnit) -> None:
    """Take a new referral into the agency's inbox and onto its topic, with what came early."""
    data = command.data
    await uow.lock_complaint(data.complaint_id)
    arrival = await uow.arrive(
        Referral(
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
    )
    if arrival is None:
        return  # known already: told before
    copies = [(arrival.at_hand, command.type, data.dispatched_at)]
    escalated = None
    early = arrival.early
    if early is not None:
        # The agency is told as if the escalation had come after the dispatch, as it did.
        escalated = escalate(arrival.at_hand.referral, early.level, early.at)
        if escalated is not None:
            copies.append((replace(arrival.at_hand, referral=escalated), early.change, early.at))
    # The secretariat's steps read before the dispatch, in the order they were read.
    current = escalated or arrival.at_hand.referral
    for step in arrival.steps:
        moved = casework.applied(current, step)
        if moved is None:
            continue
        current = moved
        await uow.record_step(current, step.action, step.reason_code, step.at)
        copies.append((replace(arrival.at_hand, referral=current), step.change, step.at))
    changed = current if current is not arrival.at_hand.referral else None
    await announce_copies(uow, copies, changed)


async def on_escalated(command: Announced[ReferralEscalated], uow: GatewayUnit) -> None:
    """Mark a referral escalated and tell its agency; keep it if the referral is not here yet."""
    data = command.data
    await uow.lock_complaint(data.complaint_id)
    escalation = Escalation(
        referral_id=data.referral_id,
        complaint_id=data.complaint_id,
        level=data.level,
        at=data.at,
        change=command.type,
    )
    referral = await uow.referral(data.referral_id, for_update=True)
    if referral is None:
        kept = keep_early(await uow.early_escalation(data.referral_id), escalation)
        if kept is not None:
            await uow.keep_early_escalation(kept)
        log.info("escalation of referral %s kept until its dispatch arrives", data.referral_id)
        return
    await _escalate(uow, referral, escalation)


async def _escalate(uow: GatewayUnit, referral: Referral, escalation: Escalation) -> None:
    escalated = escalate(referral, escalation.level, escalation.at)
    if escalated is None:
        return  # already as high: the agency was told
    await uow.save(escalated)
    await publish_copy(uow, escalated, escalation.change, escalation.at)
