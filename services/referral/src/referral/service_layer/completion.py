"""A need sent back to the village, completed by the Puskesos: its stage is dispatched again."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from referral.domain.errors import Refusal
from referral.domain.referrals import Transition
from referral.domain.stages import check_sent_back
from referral.service_layer.context import Context
from referral.service_layer.routing import dispatch
from referral.service_layer.unit_of_work import UnitOfWork
from slrt_shared.contracts.envelope import InvalidEventError
from slrt_shared.contracts.events import ComplaintCompleted


@dataclass(frozen=True)
class CompleteNeed:
    """The operator's completion of a need, with the id of the event that carried it."""

    completion: ComplaintCompleted
    event_id: UUID


async def complete_need(command: CompleteNeed, uow: UnitOfWork, *, context: Context) -> None:
    """Dispatch the stage that sent the need back again; refuse (and log) one not sent back."""
    data = command.completion
    referral = await uow.referral(data.referral_id, for_update=True)
    if referral is None or referral.complaint_id != data.complaint_id:
        # As with an agency's event: no completion can name a referral this service never sent.
        raise InvalidEventError(f"unknown referral {data.referral_id} of {data.complaint_id}")
    referrals = await uow.referrals_of(referral.complaint_id)
    try:
        check_sent_back(referral, referrals)
    except Refusal as refusal:
        refused = Transition(referral.status, "completed", False, refusal.code)
        await uow.log_transition(referral.id, command.event_id, refused, context.clock())
        return
    case = await uow.case(referral.complaint_id)
    if case is None:
        raise RuntimeError(f"referral {referral.id} has no case")
    earlier = [r for r in referrals if r.service_code == referral.service_code]
    calendar = await context.calendar_in(uow)
    await dispatch(
        uow,
        case,
        referral.service_code,
        None,
        context,
        calendar,
        earlier=earlier,
        stage_index=referral.stage_index,
    )
