"""PKH programme routes: facilitators and targets (district staff), graduation proposals
(village operators), the kinds of graduation and the year's progress (district staff)."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import TypeVar

from fastapi import APIRouter, Depends, Query, Response

from intake.domain.access import Caller
from intake.domain.programmes import KINDS, Facilitator, Pace, ProgrammeRefusedError, Proposal
from intake.domain.programmes import Target as TargetRule
from intake.domain.rate_limit import RateLimit
from intake.entrypoints import auth, errors
from intake.entrypoints.schemas import (
    FacilitatorIn,
    FacilitatorOut,
    FacilitatorProgressOut,
    GraduationIn,
    GraduationKindOut,
    PaceOut,
    ProgressOut,
    ProposalAccepted,
    TargetIn,
    TargetOut,
)
from intake.service_layer import programmes
from intake.service_layer.programmes import Admin
from intake.service_layer.unit_of_work import UnitOfWorkFactory
from slrt_shared import clock
from slrt_shared.idempotency import IdempotencyKeyReusedError

T = TypeVar("T")


async def answered(call: Awaitable[T]) -> T:
    """Run a use case, its refusals as coded HTTP errors."""
    try:
        return await call
    except ProgrammeRefusedError as exc:
        raise errors.programme_refusal(exc.code, exc.field) from exc
    except IdempotencyKeyReusedError as exc:
        raise errors.IDEMPOTENCY_KEY_REUSED from exc


def _facilitator_out(f: Facilitator) -> FacilitatorOut:
    return FacilitatorOut(
        code=f.code,
        name=f.name,
        regency=f.regency_code,
        village_codes=list(f.village_codes),
        active=f.active,
    )


def _target_out(t: TargetRule) -> TargetOut:
    return TargetOut(
        regency=t.regency_code,
        year=t.year,
        district_total=t.district_total,
        per_facilitator=t.per_facilitator,
    )


def _pace_out(p: Pace) -> PaceOut:
    return PaceOut(
        confirmed=p.confirmed,
        target=p.target,
        reached=p.reached,
        on_pace=p.on_pace,
        projected=p.projected,
    )


def _own_regency(caller: Caller, regency: str | None) -> str:
    if regency is not None and regency != caller.regency_code:
        raise errors.programme_refusal("outside_regency", "regency")
    return caller.regency_code


def router(uow: UnitOfWorkFactory, limit: RateLimit, household_key: bytes) -> APIRouter:
    """Build the programme's routes (`household_key`: the secret of the households' hashes)."""
    api = APIRouter(tags=["PKH graduations"])
    staff = Depends(auth.district_staff(uow, limit))
    signed_in = Depends(auth.signed_in(uow, limit))
    given_key = Depends(auth.idempotency_key)

    async def admin(caller: Caller) -> Admin:
        async with uow() as tx:
            name = await tx.requester(caller.token_hash)
        return Admin(name, "api", caller.regency_code)

    @api.post(
        "/v1/admin/facilitators",
        response_model=FacilitatorOut,
        summary="Register or change a PKH facilitator of the caller's regency (logged).",
    )
    async def save_facilitator(body: FacilitatorIn, caller: Caller = staff) -> FacilitatorOut:
        f = Facilitator(
            body.code,
            body.name.strip(),
            _own_regency(caller, body.regency),
            tuple(body.village_codes),
            body.active,
        )
        command = programmes.SaveFacilitator(await admin(caller), f)
        return _facilitator_out(await answered(programmes.save_facilitator(command, uow())))

    @api.get(
        "/v1/admin/facilitators",
        response_model=list[FacilitatorOut],
        summary="The PKH facilitators of the caller's regency.",
    )
    async def list_facilitators(
        regency: str | None = Query(default=None), caller: Caller = staff
    ) -> list[FacilitatorOut]:
        code = _own_regency(caller, regency)
        return [_facilitator_out(f) for f in await programmes.list_facilitators(code, uow())]

    @api.post(
        "/v1/admin/programme-targets",
        response_model=TargetOut,
        summary="Set the caller's regency's graduation target of a year (logged).",
    )
    async def set_target(body: TargetIn, caller: Caller = staff) -> TargetOut:
        t = TargetRule(
            _own_regency(caller, body.regency), body.year, body.district_total, body.per_facilitator
        )
        command = programmes.SetTarget(await admin(caller), t)
        return _target_out(await answered(programmes.set_target(command, uow())))

    @api.get(
        "/v1/admin/programme-targets",
        response_model=list[TargetOut],
        summary="The graduation targets of the caller's regency, newest year first.",
    )
    async def list_targets(
        regency: str | None = Query(default=None), caller: Caller = staff
    ) -> list[TargetOut]:
        code = _own_regency(caller, regency)
        return [_target_out(t) for t in await programmes.list_targets(code, uow())]

    @api.get(
        "/v1/graduations/kinds",
        response_model=list[GraduationKindOut],
        summary="The kinds of PKH graduation, with their labels.",
    )
    async def kinds(caller: Caller = signed_in) -> list[GraduationKindOut]:
        return [
            GraduationKindOut(code=code, label_id=id_, label_en=en)
            for code, (id_, en) in KINDS.items()
        ]

    @api.post(
        "/v1/graduations",
        status_code=201,
        response_model=ProposalAccepted,
        summary="Propose a household's PKH graduation (the village's operator); PKH decides.",
        description="Becomes a case with the need GRADUASI, referred to agency PKH: resolving "
        "it with the outcome `resolved` confirms the graduation, rejecting it refuses it. A "
        "household graduates once: a proposal for a KK with a confirmed graduation or an "
        "open proposal is refused. A repeat of the Idempotency-Key answers 200 with the case.",
        responses={200: {"model": ProposalAccepted, "description": "Repeat of a key."}},
    )
    async def propose(
        body: GraduationIn,
        response: Response,
        caller: Caller = signed_in,
        idempotency_key: str = given_key,
    ) -> ProposalAccepted:
        proposal = Proposal(
            caller.village_code or "",
            body.kk_number,
            body.head_nik,
            body.head_name,
            body.facilitator_code,
            body.kind,
            body.evidence,
        )
        command = programmes.ProposeGraduation(
            caller, proposal, idempotency_key, clock.now(), household_key
        )
        done = await answered(programmes.propose_graduation(command, uow()))
        if not done.created:
            response.status_code = 200
        return ProposalAccepted.of(done.row)

    @api.get(
        "/v1/graduations/progress",
        response_model=ProgressOut,
        summary="Confirmed graduations of a year per facilitator and in the district, against "
        "the targets, and whether the pace reaches them (counts only).",
    )
    async def progress(
        year: int = Query(ge=2000, le=2100),
        regency: str | None = Query(default=None),
        caller: Caller = staff,
    ) -> ProgressOut:
        code = _own_regency(caller, regency)
        found = await answered(programmes.progress(code, year, programmes.today_utc(), uow()))
        return ProgressOut(
            regency=found.regency_code,
            year=found.year,
            as_of=found.as_of.isoformat(),
            elapsed_share=round(found.elapsed_share, 4),
            district=_pace_out(found.district),
            facilitators=[
                FacilitatorProgressOut(
                    code=f.code, name=f.name, active=f.active, progress=_pace_out(f.pace)
                )
                for f in found.facilitators
            ],
        )

    return api
