"""The district's programmes: their events kept as codes, their public progress counted."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from monitoring.domain import programmes as rules
from monitoring.domain.regions import areas_of_village
from monitoring.service_layer.unit_of_work import UnitOfWork
from slrt_shared.contracts.events import (
    ComplaintCreated,
    DataProposal,
    FacilitatorRegistered,
    GraduationDecided,
    GraduationTargetSet,
    ReferralDispatched,
    ReferralUpdated,
)

# --- projections ---------------------------------------------------------------------------------


async def on_facilitator(data: FacilitatorRegistered, uow: UnitOfWork) -> None:
    """Keep a facilitator's code, villages and activity; its name is not kept."""
    await uow.save_facilitator(
        data.code, data.regency_code, list(data.village_codes), data.active, data.at
    )


async def on_target(data: GraduationTargetSet, uow: UnitOfWork) -> None:
    """Keep a regency's target of a year."""
    await uow.save_target(
        data.regency_code, data.year, data.district_total, data.per_facilitator, data.at
    )


async def on_graduation(data: GraduationDecided, uow: UnitOfWork) -> None:
    """Keep a graduation proposal's decision (counted once, by its complaint)."""
    kecamatan, regency = areas_of_village(data.village_code)
    await uow.save_graduation(
        {
            "complaint_id": data.complaint_id,
            "village_code": data.village_code,
            "kecamatan_code": kecamatan,
            "regency_code": regency,
            "facilitator_code": data.facilitator_code,
            "graduation_kind": data.graduation_kind,
            "decision": data.decision,
            "reason_code": data.reason_code,
            "proposed_at": data.proposed_at,
            "decided_at": data.decided_at,
        }
    )


async def on_data_proposal(data: ComplaintCreated, proposal: DataProposal, uow: UnitOfWork) -> None:
    """Count a DTSEN data proposal for its village: its kind and removal reason."""
    kecamatan, regency = areas_of_village(data.village_code)
    await uow.add_data_proposal(
        {
            "complaint_id": data.complaint_id,
            "village_code": data.village_code,
            "kecamatan_code": kecamatan,
            "regency_code": regency,
            "kind": proposal.kind,
            "removal_reason": proposal.removal_reason,
            "received_at": data.received_at,
        }
    )


async def on_rejection(data: ReferralUpdated, uow: UnitOfWork) -> None:
    """Keep when a referral was rejected: a decision stage's rejection ends its stage."""
    await uow.note_rejection(data.referral_id, data.complaint_id, data.at)


def stage_fields(data: ReferralDispatched) -> dict[str, Any]:
    """The columns a staged referral adds to its fact (none for a single-step one)."""
    if data.stage_index is None:
        return {}
    return {"stage": data.stage, "stage_index": data.stage_index, "stages_total": data.stages_total}


# --- public progress ---------------------------------------------------------------------------


@dataclass(frozen=True)
class DistrictProgress:
    """The programmes' progress of a regency in a year."""

    regency: str
    year: int


@dataclass(frozen=True)
class VillageProgress:
    """The programmes' progress of one village in a year."""

    village_code: str
    year: int


def _graduations(
    district: rules.Confirmed,
    target: rules.Target | None,
    facilitators: rules.FacilitatorsAtMinimum,
    year: int,
    today: date,
) -> dict[str, Any]:
    progress = rules.district_pace(district.confirmed, target, year, today)
    return {
        **district.as_dict(),
        "target": None if target is None else target.district_total,
        "reached": None if progress is None else progress.reached,
        "on_pace": None if progress is None else progress.on_pace,
        "projected": None if progress is None else progress.projected,
        "facilitators": {
            "active": facilitators.active,
            "at_minimum": facilitators.at_minimum,
            "minimum": facilitators.minimum,
        },
    }


async def district_progress(
    query: DistrictProgress, uow: UnitOfWork, *, today: date, zone: ZoneInfo
) -> dict[str, Any]:
    """Graduations against the target with the pace, and DTSEN proposals, by area: counts only."""
    start, end = rules.year_bounds(query.year, zone)
    graduations = await uow.confirmed_graduations(query.regency, start, end)
    target = await uow.programme_target(query.regency, query.year)
    active = await uow.active_facilitators(query.regency)
    proposals = await uow.data_proposals(query.regency, start, end)
    kecamatan = await uow.regions([query.regency], "district")
    villages = {v["code"]: v for v in await uow.regions([query.regency], "village")}
    district, per_kecamatan, per_village = rules.count_graduations(graduations, zone)
    p_district, p_kecamatan, p_village = rules.count_proposals(proposals)
    facilitators = rules.facilitators_at_minimum(active, graduations, target)

    def area(
        code: str,
        name: str,
        confirmed: dict[str, rules.Confirmed],
        counted: dict[str, rules.ProposalCounts],
    ) -> dict[str, Any]:
        return {
            "code": code,
            "name": name,
            "graduations": confirmed.get(code, rules.Confirmed()).as_dict(),
            "data_proposals": counted.get(code, rules.ProposalCounts()).as_dict(),
        }

    # A village without any graduation or proposal in the year is left out of the list.
    active_villages = sorted(set(per_village) | set(p_village))
    return {
        "regency": query.regency,
        "year": query.year,
        "as_of": today.isoformat(),
        "graduations": _graduations(district, target, facilitators, query.year, today),
        "data_proposals": p_district.as_dict(),
        "kecamatan": [area(k["code"], k["name"], per_kecamatan, p_kecamatan) for k in kecamatan],
        "villages": [
            area(code, villages.get(code, {}).get("name", code), per_village, p_village)
            for code in active_villages
        ],
    }


async def village_progress(
    query: VillageProgress, uow: UnitOfWork, *, zone: ZoneInfo
) -> dict[str, Any]:
    """One village's graduations and DTSEN proposals of a year (its report card's)."""
    start, end = rules.year_bounds(query.year, zone)
    _, regency = areas_of_village(query.village_code)
    graduations = await uow.confirmed_graduations(regency, start, end, query.village_code)
    proposals = await uow.data_proposals(regency, start, end, query.village_code)
    district, _, _ = rules.count_graduations(graduations, zone)
    counted, _, _ = rules.count_proposals(proposals)
    return {
        "year": query.year,
        "graduations": district.as_dict(),
        "data_proposals": counted.as_dict(),
    }
