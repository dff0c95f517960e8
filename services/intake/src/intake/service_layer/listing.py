"""Listing complaints: a village's for its operator, a regency's for district staff, audited."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from intake.domain.access import Caller
from intake.domain.listing import (
    ComplaintFilter,
    Entry,
    Position,
    ReferralView,
    encode_cursor,
    mask_name,
    mask_nik,
    referrals,
    scope,
)
from intake.service_layer.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class ListComplaints:
    """A caller asks for a page of the complaints it may read, at `now`."""

    caller: Caller
    filter: ComplaintFilter
    now: datetime


@dataclass(frozen=True)
class MaskedResident:
    """The resident as a list shows them: name and NIK masked."""

    name: str
    nik: str


@dataclass(frozen=True)
class ListedComplaint:
    """One complaint of a page."""

    complaint_id: UUID
    ticket: str
    client_id: str | None
    village_code: str
    status: str
    needs: list[str]
    received_at: datetime
    recorded_at: datetime
    resident: MaskedResident | None
    referrals: list[ReferralView]


@dataclass(frozen=True)
class ComplaintPage:
    """A page, newest first, and the cursor of the next one (None after the last)."""

    items: list[ListedComplaint]
    next_cursor: str | None


async def list_complaints(command: ListComplaints, uow: UnitOfWork) -> ComplaintPage:
    """The page the filter asks for within the caller's area; who listed what is logged."""
    wanted = command.filter
    async with uow:
        rows = await uow.list_complaints(
            scope(command.caller, wanted), wanted, command.caller.token_hash
        )
        await uow.commit()
    shown = rows[: wanted.limit]
    items = [_listed(row, command.now) for row in shown]
    more = len(rows) > wanted.limit
    last = shown[-1] if shown else None
    cursor = encode_cursor(Position(last["received_at"], last["id"])) if more and last else None
    return ComplaintPage(items, cursor)


def _listed(row: dict[str, Any], now: datetime) -> ListedComplaint:
    erased = row["erased_at"] is not None or row["nik"] is None
    return ListedComplaint(
        complaint_id=row["id"],
        ticket=row["ticket"],
        client_id=row["client_id"],
        village_code=row["village_code"],
        status=row["status"],
        needs=list(row["needs"]),
        received_at=row["received_at"],
        recorded_at=row["recorded_at"],
        resident=None if erased else MaskedResident(mask_name(row["name"]), mask_nik(row["nik"])),
        referrals=referrals([_entry(e) for e in row["entries"]], now),
    )


def _entry(raw: dict[str, Any]) -> Entry:
    detail = raw.get("detail") or {}
    due = detail.get("due_at")
    return Entry(
        at=datetime.fromisoformat(raw["at"]),
        kind=raw["kind"],
        agency_code=raw.get("agency_code"),
        outcome=detail.get("outcome"),
        level=detail.get("level"),
        due_at=datetime.fromisoformat(due) if due else None,
    )
