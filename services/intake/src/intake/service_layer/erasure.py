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
        unit.emit(
            topics.COMPLAINT_PII, new_event(data, source=SOURCE, subject=complaint_id, time=now)
        )
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


async def export_subject(
    unit: UnitOfWork, raw_nik: str | None, requester: Requester, key: str, now: datetime
) -> SubjectExport:
    """Export what is held about a NIK, logged; raises SubjectRequestError (nothing_held...)."""
    nik = normalised_nik(raw_nik)
    hashed = nik_hash(key, nik)
    ids = await unit.complaints_of_nik(nik, requester.regency)
    earlier = await unit.subject_requests(hashed)
    await unit.record_subject_request(
        action="export",
        nik_hash=hashed,
        requested_by=requester.name,
        via=requester.via,
        reason=None,
        complaint_ids=ids,
        at=now,
    )
    return SubjectExport(await unit.held_about(ids) if ids else [], earlier)


async def erase_subject(
    unit: UnitOfWork,
    raw_nik: str | None,
    raw_reason: str | None,
    requester: Requester,
    key: str,
    now: datetime,
) -> list[UUID]:
    """Erase every complaint's personal data of a NIK on request, logged without the data."""
    nik = normalised_nik(raw_nik)
    reason = erasure_reason(raw_reason, nik)
    hashed = nik_hash(key, nik)
    ids = await unit.complaints_of_nik(nik, requester.regency)
    if not ids:
        raise SubjectRequestError("nothing_held")
    erased = await erase_complaints(unit, ids, "request", now)
    await unit.record_subject_request(
        action="erase",
        nik_hash=hashed,
        requested_by=requester.name,
        via=requester.via,
        reason=reason,
        complaint_ids=erased,
        at=now,
    )
    return erased


async def earlier_requests(unit: UnitOfWork, raw_nik: str | None, key: str) -> list[dict[str, Any]]:
    """The requests recorded about a NIK (answers "was it erased, when, by whom")."""
    return await unit.subject_requests(nik_hash(key, normalised_nik(raw_nik)))
