"""The routing rules' admin API: read, change (a new version each time), override per kecamatan."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path

from referral.adapters.repository import UnitOfWorkFactory
from referral.domain.errors import Refusal
from referral.domain.stages import Stage
from referral.entrypoints.auth import Authentication
from referral.entrypoints.errors import refused
from referral.entrypoints.schemas import RuleIn, RuleOut, RuleVersionOut
from referral.service_layer import rules
from referral.service_layer.rules import ListRules, RemoveOverride, RuleHistory, SaveRule

ServiceCode = Annotated[str, Path(pattern=r"^[A-Z0-9-]{2,32}$")]
BY = "admin"


def router(uow: UnitOfWorkFactory, auth: Authentication) -> APIRouter:
    """Build the rules routes; every one needs the admin token."""
    api = APIRouter(prefix="/v1/rules", tags=["routing rules"], dependencies=[Depends(auth.admin)])

    async def save(service_code: str, scope: str, rule: RuleIn) -> RuleOut:
        stages = tuple(
            Stage(s.code, s.name_id, s.name_en, tuple(s.agencies), s.sla_working_days)
            for s in rule.stages
        )
        command = SaveRule(
            service_code, scope, rule.agencies, rule.sla_working_days, BY, stages=stages
        )
        try:
            async with uow() as tx:
                saved = await rules.save_rule(command, tx)
                await tx.commit()
        except Refusal as exc:
            raise refused(exc) from exc
        return RuleOut(**saved)

    @api.get("", response_model=list[RuleOut], summary="Every current rule and override.")
    async def list_rules() -> Any:
        async with uow() as tx:
            return [RuleOut(**r) for r in await rules.list_rules(ListRules(), tx)]

    @api.put(
        "/{service_code}",
        response_model=RuleOut,
        summary="Change a service's district-wide rule (a new version).",
    )
    async def put_rule(service_code: ServiceCode, rule: RuleIn) -> RuleOut:
        return await save(service_code, rules.DISTRICT, rule)

    @api.put(
        "/{service_code}/kecamatan/{kecamatan_code}",
        response_model=RuleOut,
        summary="Override a service's rule in one kecamatan.",
    )
    async def put_override(service_code: ServiceCode, kecamatan_code: str, rule: RuleIn) -> RuleOut:
        return await save(service_code, kecamatan_code, rule)

    @api.delete(
        "/{service_code}/kecamatan/{kecamatan_code}",
        status_code=204,
        summary="Remove a kecamatan's override.",
    )
    async def delete_override(service_code: ServiceCode, kecamatan_code: str) -> None:
        try:
            async with uow() as tx:
                await rules.remove_override(RemoveOverride(service_code, kecamatan_code, BY), tx)
                await tx.commit()
        except Refusal as exc:
            raise refused(exc) from exc

    @api.get(
        "/{service_code}/history",
        response_model=list[RuleVersionOut],
        summary="Every version of a service's rules.",
    )
    async def history(service_code: ServiceCode) -> Any:
        async with uow() as tx:
            versions = await rules.rule_history(RuleHistory(service_code), tx)
        return [RuleVersionOut(**r) for r in versions]

    return api
