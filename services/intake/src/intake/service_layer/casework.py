"""The secretariat's case work on a complaint's public timeline: what the resident may see of it.

Two steps show: a referral withdrawn by the secretariat ("dialihkan oleh sekretariat", to be
re-routed or worked by the secretariat itself) and a due date moved later (the new date). Codes
and dates only: the secretariat's notes and its people's names stay in referral. Its other steps
(`triaged`, `held`, `resolved`, `note_added`) show through the events that follow them (a new
referral, an outcome) or not at all, and an action added to the contract later is ignored.
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar
from uuid import UUID

from intake.domain.tracking import STATUSES, TimelineEntry, reached
from intake.service_layer.unit_of_work import UnitOfWork
from slrt_shared.contracts.envelope import CloudEvent
from slrt_shared.contracts.events import EventData, ReferralCaseWork


class CaseWorkStep(EventData):
    """A referral.casework record as intake reads it: the contract's, with any action.

    Read with the contract's closed list of actions, one added later would be a record that
    can never be processed (a dead letter); read as text, it is ignored.
    """

    topic: ClassVar[str] = ReferralCaseWork.topic
    event_type: ClassVar[str] = ReferralCaseWork.event_type

    referral_id: UUID
    complaint_id: UUID
    action: str
    due_at: datetime | None = None
    at: datetime


def entry_of(step: CaseWorkStep) -> TimelineEntry | None:
    """The public timeline's entry of a step; None for a step the resident does not see."""
    if step.action == "withdrawn":
        return TimelineEntry(step.at, "withdrawn")
    if step.action == "due_extended" and step.due_at is not None:
        return TimelineEntry(step.at, "due_extended", due_at=step.due_at)
    return None


async def on_casework(uow: UnitOfWork, data: CaseWorkStep, event: CloudEvent) -> None:
    """Add a withdrawal or a due date's extension to the complaint's timeline, once per event."""
    entry = entry_of(data)
    if entry is None:
        return
    # Neither moves the complaint's public status on: it stays where its other entries took it.
    await uow.record(data.complaint_id, event.id, entry, reached(entry.kind), STATUSES)
