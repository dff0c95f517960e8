"""What an agency may see of a resident: only what its service needs, by the catalogue."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final
from uuid import UUID

from gateway.domain.referrals import Referral

# What each pii_level of the service catalogue discloses to the agency.
DISCLOSED: Final[dict[str, tuple[str, ...]]] = {
    "basic": ("name", "phone", "address"),
    "sensitive": ("nik", "name", "phone", "address"),
    "special": ("nik", "name", "phone", "address", "description"),
}


@dataclass(frozen=True)
class Resident:
    """The personal data of the resident behind a complaint."""

    complaint_id: UUID
    nik: str
    name: str
    phone: str | None = None
    address: str | None = None
    description: str | None = None
    # What the operator wrote for each need, by service code: each agency sees its own need's.
    need_details: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ReferralAtHand:
    """A referral held for a change, with what the agency's copy of it shows beside it."""

    referral: Referral
    resident: Resident | None
    pii_level: str
    erased: bool
    has_webhook: bool


def disclosed_fields(pii_level: str) -> tuple[str, ...]:
    """The resident fields a pii_level discloses; the least of them for an unknown level."""
    return DISCLOSED.get(pii_level, DISCLOSED["basic"])


def disclose(resident: Resident, pii_level: str) -> dict[str, str | None]:
    """The resident's data limited to what the pii_level allows."""
    return {name: getattr(resident, name) for name in disclosed_fields(pii_level)}


@dataclass(frozen=True)
class AgencyView:
    """A referral as its agency sees it, with the resident's data its service allows."""

    referral: Referral
    resident: dict[str, str | None] | None = None
    personal_data_erased: bool = False
    need_detail: str | None = None

    @property
    def personal_fields(self) -> list[str]:
        """The personal data this view discloses (what an API read must audit)."""
        shown = [k for k, v in (self.resident or {}).items() if v is not None]
        return sorted([*shown, "need_detail"] if self.need_detail is not None else shown)


def need_detail(referral: Referral, resident: Resident) -> str | None:
    """The detail of the referral's own need: never another need's, whatever the pii_level."""
    return resident.need_details.get(referral.service_code)


def view_for_agency(
    referral: Referral, resident: Resident | None, pii_level: str, erased: bool = False
) -> AgencyView:
    """Build the agency's view of its referral (an erased resident's data is never shown)."""
    if erased:
        return AgencyView(referral, None, personal_data_erased=True)
    if resident is None:
        return AgencyView(referral, None)
    return AgencyView(
        referral, disclose(resident, pii_level), need_detail=need_detail(referral, resident)
    )
