"""The routing rules' admin API: read, change (a new version each time), override per kecamatan."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Header, Path
from pydantic import BaseModel, ConfigDict, Field

from referral.adapters.repository import ReferralUnitOfWork
from referral.domain.routing import InvalidRuleError, check_rule
from slrt_shared import reference
from slrt_shared.http import ApiError
from slrt_shared.runtime import ServiceRuntime
from slrt_shared.tokens import is_admin

_KECAMATAN = re.compile(r"^\d{2}\.\d{2}\.\d{2}$")
ServiceCode = Annotated[str, Path(pattern=r"^[A-Z0-9-]{2,32}$")]


class RuleIn(BaseModel):
    """A routing rule: agencies in the order they receive the referral, and the SLA."""

    model_config = ConfigDict(extra="forbid")

    agencies: list[str] = Field(min_length=1, max_length=10, examples=[["DINSOS", "BPJSKES"]])
    sla_working_days: int = Field(examples=[5])


class RuleOut(BaseModel):
    """A current rule; scope is '' for the district or a kecamatan code for an override."""

    service_code: str
    scope: str
    agencies: list[str]
    sla_working_days: int
    version: int
    updated_at: datetime
    updated_by: str


class RuleVersionOut(BaseModel):
    """One version in a rule's history."""

    service_code: str
    scope: str
    version: int
    agencies: list[str] | None
    sla_working_days: int | None
    removed: bool
    changed_by: str
    changed_at: datetime


def router(runtime: ServiceRuntime) -> APIRouter:
    """Build the rules routes; every one needs the admin token."""
    api = APIRouter(prefix="/v1/rules", tags=["routing rules"])

    def require_admin(authorization: str | None) -> None:
        if not is_admin(authorization, runtime.settings.admin_token):
            raise ApiError(401, "unauthenticated", "The admin token is required.")

    async def save(service_code: str, scope: str, rule: RuleIn) -> RuleOut:
        if service_code not in reference.services():
            raise ApiError(404, "unknown_service", f"No service {service_code} in the catalogue.")
        try:
            check_rule(rule.agencies, rule.sla_working_days, frozenset(reference.agencies()))
        except InvalidRuleError as exc:
            raise ApiError(422, "invalid_rule", str(exc)) from exc
        async with ReferralUnitOfWork(runtime.pool, runtime.layout) as uow:
            await uow.save_rule(service_code, scope, rule.agencies, rule.sla_working_days, "admin")
            saved = next(
                r
                for r in await uow.rules()
                if r["service_code"] == service_code and r["scope"] == scope
            )
            await uow.commit()
        return RuleOut(**saved)

    @api.get("", response_model=list[RuleOut], summary="Every current rule and override.")
    async def list_rules(authorization: Annotated[str | None, Header()] = None) -> Any:
        require_admin(authorization)
        async with ReferralUnitOfWork(runtime.pool, runtime.layout) as uow:
            return [RuleOut(**r) for r in await uow.rules()]

    @api.put(
        "/{service_code}",
        response_model=RuleOut,
        summary="Change a service's district-wide rule (a new version).",
    )
    async def put_rule(
        service_code: ServiceCode,
        rule: RuleIn,
        authorization: Annotated[str | None, Header()] = None,
    ) -> RuleOut:
        require_admin(authorization)
        return await save(service_code, "", rule)

    @api.put(
        "/{service_code}/kecamatan/{kecamatan_code}",
        response_model=RuleOut,
        summary="Override a service's rule in one kecamatan.",
    )
    async def put_override(
        service_code: ServiceCode,
        kecamatan_code: str,
        rule: RuleIn,
        authorization: Annotated[str | None, Header()] = None,
    ) -> RuleOut:
        require_admin(authorization)
        if not _KECAMATAN.match(kecamatan_code) or (kecamatan_code not in reference.regions()):
            raise ApiError(422, "unknown_kecamatan", f"No kecamatan {kecamatan_code}.")
        return await save(service_code, kecamatan_code, rule)

    @api.delete(
        "/{service_code}/kecamatan/{kecamatan_code}",
        status_code=204,
        summary="Remove a kecamatan's override.",
    )
    async def delete_override(
        service_code: ServiceCode,
        kecamatan_code: str,
        authorization: Annotated[str | None, Header()] = None,
    ) -> None:
        require_admin(authorization)
        async with ReferralUnitOfWork(runtime.pool, runtime.layout) as uow:
            removed = await uow.remove_override(service_code, kecamatan_code, "admin")
            await uow.commit()
        if not removed:
            raise ApiError(404, "not_found", "No such override.")

    @api.get(
        "/{service_code}/history",
        response_model=list[RuleVersionOut],
        summary="Every version of a service's rules.",
    )
    async def history(
        service_code: ServiceCode, authorization: Annotated[str | None, Header()] = None
    ) -> Any:
        require_admin(authorization)
        async with ReferralUnitOfWork(runtime.pool, runtime.layout) as uow:
            return [RuleVersionOut(**r) for r in await uow.rule_history(service_code)]

    return api
