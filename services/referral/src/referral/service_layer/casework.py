"""The secretariat's work on cases: each action checked, kept in the case's history, announced."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from referral.domain import casework, errors
from referral.domain.casework_log import CaseAction
from referral.domain.errors import Refusal
from referral.domain.referrals import Referral
from referral.domain.staff import Staff
from referral.service_layer.context import SOURCE, Context
from referral.service_layer.unit_of_work import UnitOfWork
from slrt_shared.contracts.envelope import new_event
from slrt_shared.contracts.events import ReferralCaseWork


@dataclass(frozen=True)
class ExtendDue:
    """A named person of the secretariat (or the admin) extends a referral's due date."""

    referral_id: UUID
    due_at: datetime
    reason_code: str
    worker: Staff
    by_name: str


async def _worked_referral(uow: UnitOfWork, referral_id: UUID, worker: Staff) -> Referral:
    """The referral, locked, when the worker may act on it; another regency's is not found."""
    casework.check_worker(worker)
    referral = await uow.referral(referral_id, for_update=True)
    case = await uow.case(referral.complaint_id) if referral else None
    if referral is None or case is None or not worker.sees(case.village_code):
        raise Refusal(errors.NO_REFERRAL)
    return referral


async def extend_due(command: ExtendDue, uow: UnitOfWork, *, context: Context) -> Referral:
    """Move the due date later with a reason; refused (nothing changed) on bad input."""
    referral = await _worked_referral(uow, command.referral_id, command.worker)
    now = context.clock()
    casework.check_extension(referral, command.due_at, command.reason_code, now)
    await uow.extend_due(referral.id, command.due_at)
    await uow.record_action(
        CaseAction(
            referral.id,
            referral.complaint_id,
            "due_extended",
            command.reason_code,
            referral.due_at,
            command.due_at,
            command.worker.account_id,
            command.by_name,
            now,
        )
    )
    data = ReferralCaseWork(
        referral_id=referral.id,
        complaint_id=referral.complaint_id,
        action="due_extended",
        reason_code=command.reason_code,
        due_at=command.due_at,
        previous_due_at=referral.due_at,
        by_account=command.worker.account_id,
        at=now,
    )
    uow.announce(new_event(data, source=SOURCE, subject=referral.complaint_id, time=now))
    extended = await uow.referral(referral.id)
    assert extended is not None
    return extended


@dataclass(frozen=True)
class ReadQueues:
    """A staff member or the admin opens the console: the queues they have."""

    reader: Staff
    limit: int = 200


async def read_queues(
    command: ReadQueues, uow: UnitOfWork, *, context: Context
) -> dict[str, list[dict[str, Any]]]:
    """Each queue of the reader, its referrals due first (another area's never among them)."""
    now = context.clock()
    return {
        name: await uow.queue(casework.queue_query(name, command.reader, now), command.limit)
        for name in casework.queues_for(command.reader)
    }
