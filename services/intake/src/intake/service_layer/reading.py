"""Reading complaints: the full record for those allowed (each read logged), the public view."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

import asyncpg

from intake.domain import tickets
from intake.domain.access import Caller, may_read_complaint
from intake.domain.tracking import TimelineEntry
from intake.service_layer.unit_of_work import UnitOfWork

PII_FIELDS = ["nik", "name", "phone", "address", "description"]
NEED_DETAILS = "need_details"


class ComplaintNotFoundError(Exception):
    """No such complaint, or not one the caller may read (the two are not told apart)."""


@dataclass(frozen=True)
class ReadComplaint:
    """A caller asks for a complaint with its resident's data."""

    caller: Caller
    complaint_id: UUID


@dataclass(frozen=True)
class ComplaintRecord:
    """A complaint's row (resident included until erased) and its timeline."""

    row: dict[str, Any]
    timeline: list[TimelineEntry]


async def read_complaint(query: ReadComplaint, uow: UnitOfWork) -> ComplaintRecord:
    """The complaint for its village's operator or its regency's staff; the read is logged."""
    async with uow:
        row = await uow.complaint(query.complaint_id)
        if row is None or not may_read_complaint(query.caller, row["village_code"]):
            raise ComplaintNotFoundError(query.complaint_id)
        timeline = await uow.timeline(query.complaint_id)
        if row["erased_at"] is None:
            fields = [*PII_FIELDS, NEED_DETAILS] if row.get(NEED_DETAILS) else PII_FIELDS
            await uow.log_pii_read(query.caller.token_hash, query.complaint_id, fields)
        await uow.commit()
    return ComplaintRecord(row, timeline)


@dataclass(frozen=True)
class PublicRecord:
    """The public columns of a complaint found by its ticket, its timeline, and the catalogue's
    rows (names, pii_level) of the services by code."""

    row: asyncpg.Record
    timeline: list[TimelineEntry]
    services: dict[str, asyncpg.Record]


async def track(ticket: str, uow: UnitOfWork) -> PublicRecord:
    """The public record of the complaint a ticket (as typed by a resident) names."""
    async with uow:
        row = await uow.public_complaint(tickets.normalise(ticket))
        if row is None:
            raise ComplaintNotFoundError(ticket)
        services = {s["code"]: s for s in await uow.services()}
        return PublicRecord(row, await uow.timeline(row["id"]), services)
