"""DTSEN data proposals: the village operator proposes (a DTSEN case passed through its stages
by referral), the operator and district staff list them with their stage and decision."""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import cast
from uuid import UUID

from intake.domain import data_proposals as rules
from intake.domain.access import Caller
from intake.domain.complaints import NewComplaint, Resident
from intake.domain.listing import Position, encode_cursor, mask_name
from intake.domain.programmes import ProgrammeRefusedError
from intake.domain.stages import StageNow
from intake.service_layer.programmes import Proposed
from intake.service_layer.registration import register_complaint
from intake.service_layer.unit_of_work import UnitOfWork
from slrt_shared import idempotency
from slrt_shared.contracts.events import DataProposal, DataProposalKind, DtsenRemoval

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ProposeDataChange:
    """A village operator sends a DTSEN data proposal under an idempotency key, at `now`."""

    caller: Caller
    proposal: rules.DataProposal
    key: str
    now: datetime


async def propose(command: ProposeDataChange, uow: UnitOfWork) -> Proposed:
    """Register a DTSEN data proposal as a DTSEN case of the operator's village.

    Refused, changing nothing, when a field is not valid (the deliberation judged on the
    district's date of `now`). A repeat of the key answers the case it made.
    """
    caller, p = command.caller, command.proposal
    if caller.kind != "operator" or caller.village_code is None:
        raise ProgrammeRefusedError("operator_only")
    village = caller.village_code
    detail = p.detail.strip()
    # The proposal's own fields tell a repeat from another request under the key.
    fingerprint = idempotency.fingerprint({"data_proposal": asdict(p), "village": village})
    async with uow:
        catalogue = await uow.catalogue()
        day = rules.check(
            p, rules.local_date(command.now), catalogue.kecamatan, catalogue.regencies
        )
        complaint = NewComplaint(
            village_code=village,
            needs=(rules.DTSEN_NEED,),
            description=rules.description(p.kind, p.removal_reason, day),
            channel="walk_in",
            recorded_at=command.now,
            resident=Resident(nik=p.head_nik, name=p.head_name.strip()),
            # What to add or change: read by DTSEN's stage agencies as the need's detail.
            need_details={rules.DTSEN_NEED: detail} if detail else {},
        )
        outcome = await register_complaint(
            uow,
            complaint,
            operator=caller.token_hash,
            idempotency_key=command.key,
            now=command.now,
            source="header",
            fingerprint=fingerprint,
            pii_details={"kk_number": p.kk_number},
            data_proposal=DataProposal(
                kind=cast(DataProposalKind, p.kind),
                removal_reason=cast(DtsenRemoval | None, p.removal_reason),
                deliberation_date=day,
            ),
        )
        assert outcome.row is not None
        if outcome.created:
            await uow.save_data_proposal(
                outcome.complaint_id,
                kind=p.kind,
                removal_reason=p.removal_reason,
                deliberation_date=day,
                village_code=village,
                regency_code=caller.regency_code,
                at=command.now,
                kk_number=p.kk_number,
            )
        await uow.commit()
    if outcome.created:
        log.info(
            "DTSEN proposal (%s) registered as %s in %s", p.kind, outcome.row["ticket"], village
        )
    return Proposed(outcome.created, outcome.row)


@dataclass(frozen=True)
class ListDataProposals:
    """A caller asks for a page of the proposals it may read."""

    caller: Caller
    limit: int
    after: Position | None = None


@dataclass(frozen=True)
class ListedProposal:
    """One proposal of a page: codes, its stage and decision, the head's name masked."""

    complaint_id: UUID
    ticket: str
    village_code: str
    kind: str
    removal_reason: str | None
    deliberation_date: date
    received_at: datetime
    status: str
    stage: StageNow | None
    decision: rules.Decision | None
    decision_reason: str | None
    head_name: str | None


@dataclass(frozen=True)
class ProposalPage:
    """A page, newest first, and the cursor of the next one (None after the last)."""

    items: list[ListedProposal]
    next_cursor: str | None


async def list_proposals(command: ListDataProposals, uow: UnitOfWork) -> ProposalPage:
    """The operator's village's proposals, or district staff's regency's; who listed what is
    logged, as for the complaints' list."""
    caller = command.caller
    if caller.kind == "operator" and caller.village_code is None:
        raise ProgrammeRefusedError("operator_only")
    village = caller.village_code if caller.kind == "operator" else None
    after = (command.after.received_at, command.after.complaint_id) if command.after else None
    async with uow:
        rows = await uow.list_data_proposals(
            village=village,
            regency=caller.regency_code,
            after=after,
            limit=command.limit,
            reader=caller.token_hash,
        )
        shown = rows[: command.limit]
        timelines = await uow.timelines([r["complaint_id"] for r in shown])
        await uow.commit()
    items = []
    for row in shown:
        now = rules.standing(timelines[row["complaint_id"]], row["status"], row["outcomes"])
        erased = row["erased_at"] is not None or row["name"] is None
        items.append(
            ListedProposal(
                complaint_id=row["complaint_id"],
                ticket=row["ticket"],
                village_code=row["village_code"],
                kind=row["kind"],
                removal_reason=row["removal_reason"],
                deliberation_date=row["deliberation_date"],
                received_at=row["received_at"],
                status=row["status"],
                stage=now.stage,
                decision=now.decision,
                decision_reason=now.reason_code,
                head_name=None if erased else mask_name(row["name"]),
            )
        )
    last = rows[command.limit - 1] if len(rows) > command.limit else None
    cursor = encode_cursor(Position(last["proposed_at"], last["complaint_id"])) if last else None
    return ProposalPage(items, cursor)
