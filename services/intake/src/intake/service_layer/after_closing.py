"""The resident's word once a complaint is closed: reopening it, and the verdict.

The resident acts with the ticket and the code printed on the receipt; the operator of the
complaint's village with their own token, on the resident's behalf. A refusal changes nothing:
each use case checks everything before it writes, in one transaction on the complaint's locked
row, so two requests side by side are judged one after the other.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from intake.domain import after_closing, resident_code, tickets
from intake.domain.access import Caller, may_speak_for
from intake.domain.after_closing import Closure
from intake.service_layer.reading import ComplaintNotFoundError
from intake.service_layer.resident_codes import WrongCodeError
from intake.service_layer.unit_of_work import Reopening, UnitOfWork, Verdict
from slrt_shared.contracts.envelope import new_event
from slrt_shared.contracts.events import ComplaintRated, ComplaintReopened, ReopenedBy

SOURCE = "/slrt/intake"


class RefusedError(Exception):
    """A reopening or a verdict that may not be given; `code` names why (domain.errors)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class Resident:
    """The resident, with the code of the receipt (`key`: the secret of the codes' hashes)."""

    code: str
    key: bytes


@dataclass(frozen=True)
class Operator:
    """A signed-in caller speaking for the resident: must be the village's operator."""

    caller: Caller


Speaker = Resident | Operator


@dataclass(frozen=True)
class ReopenComplaint:
    """Reopen the complaint of a ticket (`days_without_calendar`: intake's own window for a
    closing announced without `reopen_until`)."""

    ticket: str
    by: Speaker
    reason_code: str
    scope: str
    note: str | None
    now: datetime
    days_without_calendar: int


@dataclass(frozen=True)
class Reopened:
    """A reopening done: the complaint's number of it and what it sent back."""

    ticket: str
    reopening: int
    scope: str
    reason_code: str
    reopened_at: datetime


@dataclass(frozen=True)
class RateComplaint:
    """Give (or give again) the verdict on the complaint of a ticket."""

    ticket: str
    by: Speaker
    solved: str
    rating: int
    comment: str | None
    now: datetime


@dataclass(frozen=True)
class Rated:
    """A verdict saved: its revision (the highest one stands)."""

    ticket: str
    revision: int
    solved: str
    rating: int
    rated_at: datetime


async def reopen_complaint(command: ReopenComplaint, uow: UnitOfWork) -> Reopened:
    """Reopen a closed complaint within its window; announce complaint.reopened."""
    refusal = after_closing.reopen_input_refusal(command.reason_code, command.scope, command.note)
    if refusal is not None:
        raise RefusedError(refusal)
    async with uow:
        row = await _identified(uow, command.ticket, command.by)
        refusal = after_closing.reopen_refusal(
            _closure(row), command.scope, command.now, command.days_without_calendar
        )
        if refusal is not None:
            raise RefusedError(refusal)
        number = row["reopenings"] + 1
        data = ComplaintReopened(
            complaint_id=row["id"],
            ticket=row["ticket"],
            village_code=row["village_code"],
            scope=command.scope,
            reason_code=command.reason_code,
            by=_given_by(command.by),
            reopening=number,
            reopened_at=command.now,
        )
        event = new_event(data, source=SOURCE, subject=row["id"], time=command.now)
        await uow.save_reopening(
            Reopening(
                complaint_id=row["id"],
                reopening=number,
                scope=command.scope,
                reason_code=command.reason_code,
                note=command.note,
                given_by=_given_by(command.by),
                operator=_operator(command.by),
                event_id=event.id,
                at=command.now,
            )
        )
        uow.announce(event)
        await uow.commit()
    return Reopened(row["ticket"], number, command.scope, command.reason_code, command.now)


async def rate_complaint(command: RateComplaint, uow: UnitOfWork) -> Rated:
    """Save a verdict on a closed complaint (the last answer wins); announce complaint.rated."""
    refusal = after_closing.verdict_input_refusal(command.solved, command.rating, command.comment)
    if refusal is not None:
        raise RefusedError(refusal)
    async with uow:
        row = await _identified(uow, command.ticket, command.by)
        refusal = after_closing.verdict_refusal(_closure(row))
        if refusal is not None:
            raise RefusedError(refusal)
        revision = await uow.save_verdict(
            Verdict(
                complaint_id=row["id"],
                solved=command.solved,
                rating=command.rating,
                comment=command.comment,
                given_by=_given_by(command.by),
                operator=_operator(command.by),
                at=command.now,
            )
        )
        data = ComplaintRated(
            complaint_id=row["id"],
            ticket=row["ticket"],
            village_code=row["village_code"],
            solved=command.solved,
            rating=command.rating,
            by=_given_by(command.by),
            revision=revision,
            rated_at=command.now,
        )
        uow.announce(new_event(data, source=SOURCE, subject=row["id"], time=command.now))
        await uow.commit()
    return Rated(row["ticket"], revision, command.solved, command.rating, command.now)


async def _identified(uow: UnitOfWork, ticket: str, by: Speaker) -> dict[str, Any]:
    """The complaint's locked row, once the speaker is known to speak for it.

    A resident's wrong code, unknown ticket or complaint without a code are refused alike.
    """
    wanted = tickets.normalise(ticket)
    if isinstance(by, Resident):
        if not tickets.is_ticket(wanted) or resident_code.normalise(by.code) is None:
            raise WrongCodeError(ticket)
        row = await uow.closure(wanted)
        if row is None or not resident_code.matches(
            by.key, row["id"], by.code, row["resident_code_hash"]
        ):
            raise WrongCodeError(ticket)
        return row
    row = await uow.closure(wanted) if tickets.is_ticket(wanted) else None
    if row is None:
        raise ComplaintNotFoundError(ticket)
    if not may_speak_for(by.caller, row["village_code"]):
        raise RefusedError("other_village_operator")
    return row


def _closure(row: dict[str, Any]) -> Closure:
    outcomes = row["outcomes"]
    return Closure(
        status=row["status"],
        closed_at=row["closed_at"],
        reopen_until=row["reopen_until"],
        reopenings=row["reopenings"],
        outcomes=[o["outcome"] for o in outcomes] if outcomes is not None else None,
    )


def _given_by(by: Speaker) -> ReopenedBy:
    return "resident" if isinstance(by, Resident) else "operator"


def _operator(by: Speaker) -> str | None:
    return by.caller.token_hash if isinstance(by, Operator) else None


__all__ = [
    "ComplaintNotFoundError",
    "Operator",
    "RateComplaint",
    "Rated",
    "RefusedError",
    "ReopenComplaint",
    "Reopened",
    "Resident",
    "WrongCodeError",
    "rate_complaint",
    "reopen_complaint",
]
