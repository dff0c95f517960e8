"""Reading cases and referrals: district staff see their regency's, the admin every one."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from referral.domain import errors
from referral.domain.errors import Refusal
from referral.domain.referrals import Case, Referral, current_referrals
from referral.domain.staff import Staff
from referral.service_layer.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class ReadCase:
    """A case, read by a staff member or the admin."""

    complaint_id: UUID
    reader: Staff


@dataclass(frozen=True)
class ReadReferral:
    """A referral, read by a staff member or the admin."""

    referral_id: UUID
    reader: Staff


@dataclass(frozen=True)
class CaseView:
    """A case with every referral of it and which of them are current."""

    case: Case
    referrals: list[Referral]
    current: frozenset[UUID]
    actions: list[dict[str, Any]]


@dataclass(frozen=True)
class ReferralView:
    """A referral, whether it is current, and every status change asked of it."""

    referral: Referral
    current: bool
    transitions: list[dict[str, Any]]
    actions: list[dict[str, Any]]


async def read_case(command: ReadCase, uow: UnitOfWork) -> CaseView:
    """The case; another regency's case is refused as one that does not exist."""
    case = await uow.case(command.complaint_id)
    if case is None or not command.reader.sees(case.village_code):
        raise Refusal(errors.NO_CASE)
    referrals = await uow.referrals_of(command.complaint_id)
    current = frozenset(r.id for r in current_referrals(referrals).values())
    return CaseView(case, referrals, current, await uow.case_actions(command.complaint_id))


async def read_referral(command: ReadReferral, uow: UnitOfWork) -> ReferralView:
    """The referral; another regency's referral is refused as one that does not exist."""
    referral = await uow.referral(command.referral_id)
    case = await uow.case(referral.complaint_id) if referral else None
    if referral is None or case is None or not command.reader.sees(case.village_code):
        raise Refusal(errors.NO_REFERRAL)
    siblings = await uow.referrals_of(referral.complaint_id)
    transitions = await uow.transitions(command.referral_id)
    actions = await uow.actions(command.referral_id)
    latest = current_referrals(siblings).get(referral.service_code)
    current = latest is not None and latest.id == referral.id
    return ReferralView(referral, current, transitions, actions)
