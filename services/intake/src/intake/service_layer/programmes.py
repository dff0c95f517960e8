"""PKH programme use cases: facilitators and targets (district staff), graduation proposals
(village operators) and the year's progress against the targets (counts only)."""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass, replace
from datetime import UTC, date, datetime
from typing import Any

from intake.domain.access import Caller
from intake.domain.complaints import NewComplaint, Resident
from intake.domain.programmes import (
    GRADUATION_NEED,
    Facilitator,
    Pace,
    ProgrammeRefusedError,
    Proposal,
    Target,
    check_facilitator,
    check_proposal,
    check_target,
    elapsed_share,
    household_hash,
    pace,
    year_bounds,
)
from intake.service_layer.registration import SOURCE, register_complaint
from intake.service_layer.unit_of_work import UnitOfWork
from slrt_shared import idempotency
from slrt_shared.contracts.envelope import new_event
from slrt_shared.contracts.events import FacilitatorRegistered, GraduationTargetSet, ProgrammeCase

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Admin:
    """Who changes the programme's data, how, and the regency they may change (None: any)."""

    name: str
    via: str  # "api" | "cli"
    regency_code: str | None


def _may_manage(admin: Admin, regency_code: str) -> None:
    if admin.regency_code is not None and admin.regency_code != regency_code:
        raise ProgrammeRefusedError("outside_regency", "regency")


@dataclass(frozen=True)
class SaveFacilitator:
    """Register or change a facilitator."""

    admin: Admin
    facilitator: Facilitator


async def save_facilitator(command: SaveFacilitator, uow: UnitOfWork) -> Facilitator:
    """Register or change a facilitator of a served regency; logged."""
    f = command.facilitator
    _may_manage(command.admin, f.regency_code)
    async with uow:
        check_facilitator(f, (await uow.catalogue()).villages)
        known = await uow.facilitator(f.code)
        if known is not None and known.regency_code != f.regency_code:
            raise ProgrammeRefusedError("outside_regency", "regency")
        at = await uow.save_facilitator(f)
        if at is None:
            raise ProgrammeRefusedError("outside_regency", "regency")
        _announce_facilitator(uow, f, at)
        detail = asdict(f) | {"village_codes": list(f.village_codes)}
        await _log(uow, command.admin, "facilitator_saved", f.code, detail)
        await uow.commit()
    return f


@dataclass(frozen=True)
class SetTarget:
    """Set a regency's graduation target of a year."""

    admin: Admin
    target: Target


async def set_target(command: SetTarget, uow: UnitOfWork) -> Target:
    """Set the target of a served regency and year (replacing an earlier one); logged."""
    t = command.target
    _may_manage(command.admin, t.regency_code)
    async with uow:
        check_target(t, (await uow.catalogue()).regencies)
        _announce_target(uow, t, await uow.save_target(t))
        await _log(uow, command.admin, "target_set", f"{t.regency_code}/{t.year}", asdict(t))
        await uow.commit()
    return t


def _announce_facilitator(uow: UnitOfWork, f: Facilitator, at: datetime) -> None:
    data = FacilitatorRegistered(
        code=f.code,
        name=f.name,
        regency_code=f.regency_code,
        village_codes=list(f.village_codes),
        active=f.active,
        at=at,
    )
    uow.announce(new_event(data, source=SOURCE, subject=data.record_key, time=at))


def _announce_target(uow: UnitOfWork, t: Target, at: datetime) -> None:
    data = GraduationTargetSet(
        regency_code=t.regency_code,
        year=t.year,
        district_total=t.district_total,
        per_facilitator=t.per_facilitator,
        at=at,
    )
    uow.announce(new_event(data, source=SOURCE, subject=data.record_key, time=at))


async def announce_registries(uow: UnitOfWork, batch: int = 500) -> int:
    """Announce the facilitators and targets whose last change is not on its topic yet (saved
    before this version, or by an older replica during a rolling upgrade); how many.

    The rows are locked while their events reach the outbox in the same transaction, so two
    replicas running it at once announce each change once.
    """
    total = 0
    while True:
        async with uow:
            people, goals = await uow.unannounced_registries(batch)
            for f, at in people:
                _announce_facilitator(uow, f, at)
            for t, at in goals:
                _announce_target(uow, t, at)
            await uow.mark_announced(
                [f.code for f, _ in people], [(t.regency_code, t.year) for t, _ in goals]
            )
            await uow.commit()
        total += len(people) + len(goals)
        if len(people) < batch and len(goals) < batch:
            return total


async def _log(uow: UnitOfWork, admin: Admin, action: str, subject: str, detail: Any) -> None:
    await uow.record_programme_change(
        action=action, subject=subject, changed_by=admin.name, via=admin.via, detail=detail
    )


async def list_facilitators(regency_code: str, uow: UnitOfWork) -> list[Facilitator]:
    """A regency's facilitators."""
    async with uow:
        return await uow.facilitators(regency_code)


async def list_targets(regency_code: str, uow: UnitOfWork) -> list[Target]:
    """A regency's targets."""
    async with uow:
        return await uow.targets(regency_code)


@dataclass(frozen=True)
class ProposeGraduation:
    """A village operator proposes a household's graduation under an idempotency key."""

    caller: Caller
    proposal: Proposal
    key: str
    now: datetime
    household_key: bytes


@dataclass(frozen=True)
class Proposed:
    """The case a proposal became, and whether this request created it (False: a repeat)."""

    created: bool
    row: dict[str, Any]


async def propose_graduation(command: ProposeGraduation, uow: UnitOfWork) -> Proposed:
    """Register a graduation proposal as a GRADUASI case for agency PKH to decide.

    Refused, changing nothing, when the data is malformed, the facilitator may not propose it,
    or the household has a confirmed graduation or an open proposal. A repeat of the key
    answers the case it made.
    """
    caller, p = command.caller, command.proposal
    if caller.kind != "operator" or caller.village_code is None:
        raise ProgrammeRefusedError("operator_only")
    if not command.household_key:
        raise ProgrammeRefusedError("household_key_missing")
    # The operator proposes for its own village: the case is that village's.
    p = replace(p, village_code=caller.village_code)
    household = household_hash(command.household_key, p.kk_number)
    complaint = NewComplaint(
        village_code=p.village_code,
        needs=(GRADUATION_NEED,),
        description=p.evidence,
        channel="walk_in",
        recorded_at=command.now,
        resident=Resident(nik=p.head_nik, name=p.head_name.strip()),
    )
    # The proposal's own fields tell a repeat from another request under the key.
    fingerprint = idempotency.fingerprint({"graduation": asdict(p)})
    async with uow:
        catalogue = await uow.catalogue()
        check_proposal(
            p, await uow.facilitator(p.facilitator_code), catalogue.kecamatan, catalogue.regencies
        )
        outcome = await register_complaint(
            uow,
            complaint,
            operator=caller.token_hash,
            idempotency_key=command.key,
            now=command.now,
            source="header",
            fingerprint=fingerprint,
            programme=ProgrammeCase(
                kind="graduation", facilitator_code=p.facilitator_code, graduation_kind=p.kind
            ),
            pii_details={"kk_number": p.kk_number},
        )
        assert outcome.row is not None
        if outcome.created:
            saved = await uow.save_graduation(
                outcome.complaint_id, household, p, caller.regency_code, command.now
            )
            if not saved:
                # Leaving without a commit rolls the case and its key back with it.
                state = await uow.household_state(household)
                raise ProgrammeRefusedError(
                    "household_already_graduated"
                    if state == "confirmed"
                    else "graduation_already_open",
                    "kk_number",
                )
        await uow.commit()
    if outcome.created:
        log.info(
            "graduation proposed as %s in village %s by facilitator %s",
            outcome.row["ticket"],
            p.village_code,
            p.facilitator_code,
        )
    return Proposed(outcome.created, outcome.row)


@dataclass(frozen=True)
class FacilitatorProgress:
    """One facilitator's confirmed graduations of the year against the minimum."""

    code: str
    name: str
    active: bool
    pace: Pace


@dataclass(frozen=True)
class Progress:
    """A regency's graduations of a year against its target, per facilitator and in total."""

    regency_code: str
    year: int
    as_of: date
    elapsed_share: float
    district: Pace
    facilitators: list[FacilitatorProgress]


async def progress(regency_code: str, year: int, today: date, uow: UnitOfWork) -> Progress:
    """Confirmed graduations of `year` per facilitator and in the regency, against its target."""
    async with uow:
        target = await uow.target(regency_code, year)
        if target is None:
            raise ProgrammeRefusedError("target_not_found", "year")
        start, end = year_bounds(year)
        counts = await uow.confirmed_per_facilitator(regency_code, start, end)
        people = await uow.facilitators(regency_code)
    rows = [
        FacilitatorProgress(
            f.code,
            f.name,
            f.active,
            pace(counts.get(f.code, 0), target.per_facilitator, year, today),
        )
        for f in people
    ]
    total = pace(sum(counts.values()), target.district_total, year, today)
    return Progress(regency_code, year, today, elapsed_share(year, today), total, rows)


def today_utc() -> date:
    """Today's date as the decisions are stamped."""
    return datetime.now(UTC).date()
