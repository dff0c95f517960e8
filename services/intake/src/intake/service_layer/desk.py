"""What the Puskesos desk app reads: its reference data, and a complaint checked before saving."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from intake.domain.access import Caller, may_read_complaint, may_register_for
from intake.domain.complaints import NewComplaint, Problem, check
from intake.domain.desk import NikReading, read_nik
from intake.service_layer.registration import WrongVillageError
from intake.service_layer.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class Reference:
    """The catalogue's services and the regency's villages, for the caller's app, and the
    kecamatan and regencies served (what a NIK's region is checked against)."""

    caller: Caller
    services: list[dict[str, Any]]
    villages: list[dict[str, Any]]
    kecamatan: list[str]
    regencies: list[str]


async def reference(caller: Caller, uow: UnitOfWork) -> Reference:
    """The services (Bahasa and English names) and the villages of the caller's regency."""
    async with uow:
        catalogue = await uow.catalogue()
        services = [
            {"code": s["code"], "name_id": s["name_id"], "name_en": s["name_en"]}
            for s in await uow.services()
        ]
        villages = [
            {"code": v["code"], "name": v["name"]}
            for v in await uow.villages_of(caller.regency_code)
        ]
    return Reference(
        caller, services, villages, sorted(catalogue.kecamatan), sorted(catalogue.regencies)
    )


@dataclass(frozen=True)
class CheckComplaint:
    """An operator asks whether a complaint would be accepted, before saving it."""

    caller: Caller
    complaint: NewComplaint
    now: datetime


@dataclass(frozen=True)
class Checked:
    """Why intake would refuse the complaint (empty: it would accept it), what its NIK says,
    and the open complaints of the same resident with a same need the caller may read."""

    problems: list[Problem]
    nik: NikReading | None
    duplicates: list[dict[str, Any]]


async def check_complaint(command: CheckComplaint, uow: UnitOfWork) -> Checked:
    """Check a complaint as registration would; nothing is saved but the log of the read.

    Only the operator who may register the complaint may check it, as registration refuses.
    """
    complaint = command.complaint
    if not may_register_for(command.caller, complaint.village_code):
        raise WrongVillageError(complaint.village_code)
    async with uow:
        problems = check(complaint, await uow.catalogue(), command.now)
        reading = read_nik(complaint.resident.nik, command.now.date())
        duplicates: list[dict[str, Any]] = []
        if not any(p.field == "resident.nik" for p in problems) and complaint.needs:
            found = await uow.open_complaints_of_nik(complaint.resident.nik, list(complaint.needs))
            duplicates = [d for d in found if may_read_complaint(command.caller, d["village_code"])]
            for d in duplicates:
                # Showing that this resident has a complaint is a read of their data.
                await uow.log_pii_read(command.caller.token_hash, d["id"], ["nik"])
        await uow.commit()
    return Checked(problems, reading, duplicates)
