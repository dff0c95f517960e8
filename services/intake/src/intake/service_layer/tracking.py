"""Keep each complaint's public timeline up to date from the events of other services.

The events of one complaint come from several topics, which replicas may read side by side,
in any order, or several in one transaction: each handler adds its entry (once per event) and
moves the status on to what the entry reached in one statement (deciding a graduation
proposal in it when PKH confirms or refuses one, and announcing that decision once). A status
only moves further along (`STATUSES`), so whatever the order the complaint ends with the status
its whole timeline gives, and a late event never sets it back.
"""

from __future__ import annotations

from typing import Literal, cast
from uuid import UUID

from intake.domain.programmes import Decision, decision_of_outcome, decision_of_status
from intake.domain.tracking import STATUSES, TimelineEntry, reached
from intake.service_layer.registration import SOURCE
from intake.service_layer.unit_of_work import Decided, UnitOfWork
from slrt_shared.contracts.envelope import CloudEvent, new_event
from slrt_shared.contracts.events import (
    CaseResolved,
    ComplaintClosed,
    GraduationDecided,
    ReferralDispatched,
    ReferralEscalated,
    ReferralUpdated,
)

GraduationKind = Literal["sejahtera_mandiri", "graduasi_alamiah"]


async def _record(
    uow: UnitOfWork,
    complaint_id: UUID,
    event: CloudEvent,
    entry: TimelineEntry,
    decision: Decision | None = None,
    reason_code: str | None = None,
) -> None:
    decided = await uow.record(
        complaint_id, event.id, entry, reached(entry.kind), STATUSES, decision, reason_code
    )
    if decided is not None:
        # In the transaction that decided it: one announcement per graduation, whichever
        # replica or redelivery decides it.
        announce_decision(uow, decided)


def announce_decision(uow: UnitOfWork, decided: Decided) -> None:
    """Announce a graduation's decision on programme.graduations (codes only)."""
    data = GraduationDecided(
        complaint_id=decided.complaint_id,
        village_code=decided.village_code,
        facilitator_code=decided.facilitator_code,
        graduation_kind=cast(GraduationKind, decided.kind),
        decision=decided.decision,
        reason_code=decided.reason_code,
        proposed_at=decided.proposed_at,
        decided_at=decided.decided_at,
    )
    uow.announce(
        new_event(data, source=SOURCE, subject=decided.complaint_id, time=decided.decided_at)
    )


async def on_dispatched(uow: UnitOfWork, data: ReferralDispatched, event: CloudEvent) -> None:
    """A need was referred to an agency."""
    entry = TimelineEntry(
        data.dispatched_at,
        "referred",
        data.agency_code,
        due_at=data.due_at,
        stage=data.stage,
        stage_index=data.stage_index,
        stages_total=data.stages_total,
        referral_id=str(data.referral_id),
        service_code=data.service_code,
    )
    await _record(uow, data.complaint_id, event, entry)


async def on_updated(uow: UnitOfWork, data: ReferralUpdated, event: CloudEvent) -> None:
    """An agency acknowledged, worked on or passed on a referral."""
    entry = TimelineEntry(
        data.at,
        data.status,
        data.agency_code,
        reason_code=data.reason_code,
        referral_id=str(data.referral_id),
    )
    decision = decision_of_status(data.agency_code, data.status)
    await _record(uow, data.complaint_id, event, entry, decision, data.reason_code)


async def on_escalated(uow: UnitOfWork, data: ReferralEscalated, event: CloudEvent) -> None:
    """A referral was escalated."""
    await _record(
        uow, data.complaint_id, event, TimelineEntry(data.at, "escalated", level=data.level)
    )


async def on_resolved(uow: UnitOfWork, data: CaseResolved, event: CloudEvent) -> None:
    """An agency reported an outcome."""
    entry = TimelineEntry(data.resolved_at, "resolved", data.agency_code, data.outcome)
    decision = decision_of_outcome(data.agency_code, data.outcome)
    # A refusal by an outcome other than `resolved` keeps the outcome as its reason.
    reason = data.outcome if decision == "refused" else None
    await _record(uow, data.complaint_id, event, entry, decision, reason)


async def on_closed(uow: UnitOfWork, data: ComplaintClosed, event: CloudEvent) -> None:
    """Every need has an outcome: the complaint is closed (again, once reopened), and may be
    reopened until `reopen_until`."""
    entry = TimelineEntry(data.closed_at, "closed")
    outcomes = [{"service_code": o.service_code, "outcome": o.outcome} for o in data.outcomes]
    await uow.record_closing(
        data.complaint_id, event.id, entry, data.closed_at, data.reopen_until, outcomes
    )
