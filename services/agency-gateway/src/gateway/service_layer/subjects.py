"""A resident's access request answered from the gateway: what it holds about a NIK.

Intake's export does not cover this: the agencies' notes and reasons, their reads and the
webhook deliveries live only here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from gateway.domain.subjects import SubjectRequestError, nik_hash, normalised_nik
from gateway.service_layer.unit_of_work import GatewayUnit


@dataclass(frozen=True)
class ExportSubject:
    """An access request: a NIK as given, who answers it, by which way, under which hash key."""

    raw_nik: str | None
    requested_by: str
    via: str
    key: str


async def export_subject(command: ExportSubject, uow: GatewayUnit) -> list[dict[str, Any]]:
    """Everything held about a NIK, logged; an empty list when nothing is held."""
    raw_nik, requested_by, via, key = (
        command.raw_nik,
        command.requested_by,
        command.via,
        command.key,
    )
    if not requested_by.strip():
        raise SubjectRequestError("requester_required")
    nik = normalised_nik(raw_nik)
    hashed = nik_hash(key, nik)
    held = await uow.held_about_nik(nik)
    await uow.record_subject_export(
        nik_hash=hashed,
        requested_by=requested_by.strip(),
        via=via,
        complaint_ids=[h["complaint_id"] for h in held],
    )
    return held
