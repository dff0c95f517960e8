"""Erasure of residents' personal data (by retention or on request) and access requests.

Erasing leaves the case record (ids, village, needs, dates, statuses, timeline) so statistics
and the public tracker are unchanged, and announces the erasure on complaint.pii in the same
transaction, so the gateway erases its copy too.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal
from uuid import UUID

from intake.domain.access import Caller
from intake.domain.subjects import (
    SubjectRequestError,
    Via,
    erasure_reason,
    nik_hash,
    normalised_nik,
)
from intake.service_layer.unit_of_work import UnitOfWork
from slrt_shared.contracts import topics
from slrt_shared.contracts.envelope import new_event
from slrt_shared.contracts.events import ComplaintPiiErased

log = logging.getLogger(__name__)

SOURCE = "/slrt/intake"
Cause = Literal["retention", "request"]


async def erase_complaints(
    unit: UnitOfWork, complaint_ids: list[UUID], cause: Cause, now: datetime
) -> list[UUID]:
    """Erase the personal data of complaints and announce it; those not erased before."""
    erased = await unit.erase_personal_data(
        complaint_ids, cause, now, unit.layout.name(topics.COMPLAINT_PII)
    )
    for complaint_id in erased:
        data = ComplaintPiiErased(complaint_id=complaint_id, erased_at=now, cause=cause)
        unit.announce(new_event(data, source=SOURCE, subject=complaint_id, time=now))
    return erased


async def erase_closed_before(cutoff: datetime, limit: int, uow: UnitOfWork) -> int:
    """Erase the personal data of at most `limit` complaints closed before `cutoff`; how many."""
    async with uow:
        due = await uow.closed_before(cutoff, limit)
        erased = await erase_complaints(uow, due, "retention", datetime.now(UTC))
        await uow.commit()
    if erased:
        log.info("personal data of %s complaints closed before %s erased", len(erased), cutoff)
    return len(due)


@dataclass(frozen=True)
class Requester:
    """Who answers a resident's request, and through which door."""

    name: str
    via: Via
    regency: str | None  # district staff see their regency only; the admin CLI every one


@dataclass(frozen=True)
class SubjectExport:
    """Everything intake holds about a NIK, and the requests made about it before."""

    complaints: list[dict[str, Any]]
    requests: list[dict[str, Any]]


@dataclass(frozen=True)
class ExportSubject:
    """A resident asks what is held about their NIK; `key` is the NIK hash's secret."""

    nik: str | None
    requester: Requester
    key: str
    now: datetime


async def export_subject(command: ExportSubject, uow: UnitOfWork) -> SubjectExport:
    """Export what is held about a NIK, logged; raises SubjectRequestError (invalid_nik...).

    An export that finds nothing is logged too, and answers the requests made before.
    """
    nik = normalised_nik(command.nik)
    hashed = nik_hash(command.key, nik)
    async with uow:
        ids = await uow.complaints_of_nik(nik, command.requester.regency)
        earlier = await uow.subject_requests(hashed)
        await uow.record_subject_request(
            action="export",
            nik_hash=hashed,
            requested_by=command.requester.name,
            via=command.requester.via,
            reason=None,
            complaint_ids=ids,
            at=command.now,
        )
        held = await uow.held_about(ids) if ids else []
        await uow.commit()
    return SubjectExport(held, earlier)


@dataclass(frozen=True)
class EraseSubject:
    """A resident asks that their NIK's personal data be erased, for a reason kept for good."""

    nik: str | None
    reason: str | None
    requester: Requester
    key: str
    now: datetime


async def erase_subject(command: EraseSubject, uow: UnitOfWork) -> list[UUID]:
    """Erase every complaint's personal data of a NIK on request, logged without the data."""
    nik = normalised_nik(command.nik)
    reason = erasure_reason(command.reason, nik)
    hashed = nik_hash(command.key, nik)
    async with uow:
        ids = await uow.complaints_of_nik(nik, command.requester.regency)
        if not ids:
            raise SubjectRequestError("nothing_held")
        erased = await erase_complaints(uow, ids, "request", command.now)
        await uow.record_subject_request(
            action="erase",
            nik_hash=hashed,
            requested_by=command.requester.name,
            via=command.requester.via,
            reason=reason,
            complaint_ids=erased,
            at=command.now,
        )
        await uow.commit()
    return erased


async def earlier_requests(raw_nik: str | None, key: str, uow: UnitOfWork) -> list[dict[str, Any]]:
    """The requests recorded about a NIK (answers "was it erased, when, by whom")."""
    hashed = nik_hash(key, normalised_nik(raw_nik))
    async with uow:
        return await uow.subject_requests(hashed)


async def staff_requester(caller: Caller, uow: UnitOfWork) -> Requester:
    """District staff answering through the API, as the request log names them."""
    async with uow:
        name = await uow.requester(caller.token_hash)
    return Requester(name, "api", caller.regency_code)
