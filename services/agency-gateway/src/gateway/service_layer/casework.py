"""The secretariat's case work reaching the agency: a referral due later, or withdrawn.

Read from referral.casework, keyed by the complaint (its steps in order). Like the other
events, each takes its complaint's lock first, so it runs after (and sees) whatever the
complaint's other handlers committed. A step the agency is not concerned with, or one the
gateway does not know yet, changes nothing.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import ClassVar
from uuid import UUID

from gateway.domain import casework
from gateway.service_layer.agency_copy import publish_copy
from gateway.service_layer.inbound import Announced
from gateway.service_layer.unit_of_work import GatewayUnit
from slrt_shared.contracts.events import EventData, ReferralCaseWork

log = logging.getLogger(__name__)


class CaseWorkStep(EventData):
    """A referral.casework record as the gateway reads it: the contract's, with any action.

    The contract's `action` is a closed list that only grows; read with it, an action added
    after this version would be a record that can never be processed (a dead letter). Read as
    text, it reaches the use case, which ignores it.
    """

    topic: ClassVar[str] = ReferralCaseWork.topic
    event_type: ClassVar[str] = ReferralCaseWork.event_type

    referral_id: UUID
    complaint_id: UUID
    action: str
    reason_code: str | None = None
    due_at: datetime | None = None
    at: datetime


async def on_casework(command: Announced[CaseWorkStep], uow: GatewayUnit) -> None:
    """Apply a due date's extension or a withdrawal to the agency's referral and tell it; keep
    it until the referral arrives if it came first."""
    data = command.data
    if not casework.concerns_agency(data.action):
        # triaged, held, resolved, note_added: the secretariat's own work; or an action added
        # to the contract after this version (the contract says to ignore those).
        return
    step = casework.Step(
        command.event_id,
        data.referral_id,
        data.complaint_id,
        data.action,
        data.reason_code,
        data.due_at,
        data.at,
    )
    await uow.lock_complaint(data.complaint_id)
    referral = await uow.referral(data.referral_id, for_update=True)
    if referral is None:
        await uow.keep_early_step(step)
        log.info("case work on referral %s kept until its dispatch arrives", data.referral_id)
        return
    changed = casework.applied(referral, step)
    if changed is None:
        return  # read again, or nothing left to change at the agency
    await uow.save(changed)
    await uow.record_step(changed, step.action, step.reason_code, step.at)
    await publish_copy(uow, changed, step.change, step.at)
