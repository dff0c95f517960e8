"""Completing a need a stage sent back to the village: the corrected detail, then the stage again.

The operator of the complaint's village writes the corrected detail of the need; intake keeps
it where the need's detail is kept, carries it to the agencies on complaint.pii as before, and
announces complaint.completed (codes only) so that referral dispatches the same stage again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID, uuid4

from intake.domain.access import Caller
from intake.domain.complaints import MAX_NEED_DETAIL
from intake.domain.stages import StageNow, waiting
from intake.domain.tracking import TimelineEntry
from intake.service_layer.registration import SOURCE
from intake.service_layer.unit_of_work import UnitOfWork
from slrt_shared.contracts.envelope import new_event
from slrt_shared.contracts.events import ComplaintCompleted, ComplaintPii


class CompletionRefusedError(Exception):
    """A completion the rules refuse, with the catalogue's code."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class CompleteNeed:
    """The operator completes a need of a complaint with its corrected detail."""

    caller: Caller
    complaint_id: UUID
    service_code: str
    need_detail: str
    at: datetime


@dataclass(frozen=True)
class Completed:
    """The completed need's stage and the completion's number."""

    stage: StageNow
    completion: int


def check_detail(text: str) -> str | None:
    """The problem of a corrected detail (a catalogue code), if any."""
    if not text.strip():
        return "need_detail_required"
    if len(text) > MAX_NEED_DETAIL:
        return "need_detail_too_long"
    return None


async def complete_need(command: CompleteNeed, uow: UnitOfWork) -> Completed:
    """Keep the corrected detail and announce the completion; nothing is kept on a refusal."""
    problem = check_detail(command.need_detail)
    if problem is not None:
        raise CompletionRefusedError(problem)
    async with uow:
        await uow.lock_complaint(command.complaint_id)
        row = await uow.complaint(command.complaint_id)
        caller = command.caller
        if row is None or (
            caller.kind == "operator" and caller.village_code != row["village_code"]
        ):
            # Another village's complaint is one that does not exist, as for reading it.
            raise CompletionRefusedError("complaint_not_found")
        if caller.kind != "operator":
            raise CompletionRefusedError("operator_only")
        if row["erased_at"] is not None or row.get("nik") is None:
            raise CompletionRefusedError("personal_data_erased")
        stage = waiting(await uow.timeline(command.complaint_id), command.service_code)
        if stage is None:
            raise CompletionRefusedError("not_sent_back")
        await uow.correct_need_detail(
            command.complaint_id, command.service_code, command.need_detail
        )
        number = stage.completions + 1
        event_id = uuid4()
        entry = TimelineEntry(
            command.at,
            "completed",
            stage=stage.stage,
            stage_index=stage.index,
            stages_total=stage.total,
            referral_id=stage.referral_id,
            service_code=command.service_code,
        )
        await uow.append(command.complaint_id, event_id, entry)
        details = dict(row.get("need_details") or {})
        details[command.service_code] = command.need_detail
        pii = ComplaintPii(
            complaint_id=command.complaint_id,
            nik=row["nik"],
            name=row["name"],
            phone=row["phone"],
            address=row["address"],
            description=row["description"],
            need_details=details,
        )
        completed = ComplaintCompleted(
            complaint_id=command.complaint_id,
            ticket=row["ticket"],
            village_code=row["village_code"],
            service_code=command.service_code,
            referral_id=UUID(stage.referral_id),
            completion=number,
            completed_at=command.at,
        )
        subject = command.complaint_id
        # The corrected detail first: the agency reads it before the stage comes back to it.
        uow.announce(new_event(pii, source=SOURCE, subject=subject, time=command.at))
        uow.announce(
            new_event(completed, source=SOURCE, subject=subject, time=command.at, event_id=event_id)
        )
        await uow.commit()
    return Completed(stage, number)
