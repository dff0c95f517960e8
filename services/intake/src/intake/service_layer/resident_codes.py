"""Checking a resident's code: the ticket and the code printed on the receipt, together.

The resident's own actions on a complaint (reopening it, giving a verdict) start here: they are
allowed only when the code is the complaint's. A ticket that does not exist, a complaint issued
no code and a wrong code are refused alike, so the answer tells a guesser nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from intake.domain import resident_code, tickets
from intake.service_layer.unit_of_work import UnitOfWork


class WrongCodeError(Exception):
    """The ticket and the code do not go together (whichever of the two is wrong)."""

    code = "wrong_resident_code"


@dataclass(frozen=True)
class CheckCode:
    """A resident gives the ticket and the code of their complaint; `key` is the code's secret."""

    ticket: str
    code: str
    key: bytes


async def check_code(command: CheckCode, uow: UnitOfWork) -> UUID:
    """The complaint whose ticket and code these are; raises WrongCodeError otherwise."""
    ticket = tickets.normalise(command.ticket)
    if not tickets.is_ticket(ticket) or resident_code.normalise(command.code) is None:
        raise WrongCodeError(command.ticket)
    async with uow:
        found = await uow.resident_code_of(ticket)
    if found is None:
        raise WrongCodeError(command.ticket)
    complaint_id, kept = found
    if not resident_code.matches(command.key, complaint_id, command.code, kept):
        raise WrongCodeError(command.ticket)
    return complaint_id
