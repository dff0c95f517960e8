"""Registering a complaint: what makes one acceptable, and the record it becomes."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import datetime
from functools import cached_property
from uuid import UUID

from intake.domain import nik
from slrt_shared import idempotency, regions

CHANNELS = frozenset({"walk_in", "phone", "home_visit", "outreach", "open311", "offline_sync"})
MAX_DESCRIPTION = 4000
MAX_NEED_DETAIL = 500
_PHONE = re.compile(r"^(?:\+62|62|0)8\d{7,12}$")


@dataclass(frozen=True)
class Problem:
    """One reason a complaint cannot be accepted: a machine-readable code and the field."""

    code: str
    field: str


@dataclass(frozen=True)
class Resident:
    """The resident's personal data."""

    nik: str
    name: str
    phone: str | None = None
    address: str | None = None


@dataclass(frozen=True)
class NewComplaint:
    """A complaint as an operator submits it."""

    village_code: str
    needs: tuple[str, ...]
    description: str
    channel: str
    recorded_at: datetime
    resident: Resident
    # What the operator wrote for one need, by its service code: personal data like the
    # description (kept, carried and erased with it), shown to that need's agency only.
    need_details: Mapping[str, str] = field(default_factory=dict)

    def fingerprint(self) -> str:
        """Hash of the request, to tell a repeat from a different request under the same key."""
        body = asdict(self)
        body["recorded_at"] = self.recorded_at.isoformat()
        # A request without details hashes as it did before the field: its keys still match.
        if not self.need_details:
            del body["need_details"]
        else:
            body["need_details"] = dict(sorted(self.need_details.items()))
        return idempotency.fingerprint(body)


@dataclass(frozen=True)
class Catalogue:
    """What a complaint is checked against: the villages served and the service codes."""

    villages: frozenset[str]
    services: frozenset[str]

    # Worked out once per catalogue: a replica checks every complaint against the one it keeps.
    @cached_property
    def kecamatan(self) -> frozenset[str]:
        """Kecamatan of the served villages."""
        return frozenset(regions.kecamatan_of(v) for v in self.villages)

    @cached_property
    def regencies(self) -> frozenset[str]:
        """Regencies served."""
        return frozenset(regions.regency_of(v) for v in self.villages)


@dataclass(frozen=True)
class Registered:
    """A complaint accepted by the platform."""

    complaint_id: UUID
    ticket: str
    received_at: datetime
    complaint: NewComplaint
    possible_duplicate_of: tuple[UUID, ...] = field(default=())
    resident_code_hash: str | None = None


def normalise_phone(phone: str) -> str:
    """Write an Indonesian mobile number as +62..."""
    digits = re.sub(r"[\s().-]", "", phone)
    if digits.startswith("+62"):
        return digits
    if digits.startswith("62"):
        return "+" + digits
    if digits.startswith("0"):
        return "+62" + digits[1:]
    return digits


def check(complaint: NewComplaint, catalogue: Catalogue, now: datetime) -> list[Problem]:
    """List every reason the complaint cannot be accepted (empty when it can)."""
    found: list[Problem] = []

    def problem(code: str, field_name: str) -> None:
        found.append(Problem(code, field_name))

    if complaint.village_code not in catalogue.villages:
        problem("unknown_village", "village_code")
    if not complaint.needs:
        problem("needs_required", "needs")
    if len(set(complaint.needs)) != len(complaint.needs):
        problem("duplicate_need", "needs")
    if any(need not in catalogue.services for need in complaint.needs):
        problem("unknown_service", "needs")
    if not complaint.description.strip():
        problem("description_required", "description")
    if len(complaint.description) > MAX_DESCRIPTION:
        problem("description_too_long", "description")
    for need, detail in complaint.need_details.items():
        where = f"need_details.{need}"
        if need not in complaint.needs:
            problem("need_detail_not_a_need", where)
        elif not detail.strip():
            problem("need_detail_required", where)
        elif len(detail) > MAX_NEED_DETAIL:
            problem("need_detail_too_long", where)
    if complaint.channel not in CHANNELS:
        problem("unknown_channel", "channel")
    if complaint.recorded_at.tzinfo is None:
        problem("timezone_required", "recorded_at")
    elif complaint.recorded_at > now:
        problem("recorded_in_future", "recorded_at")
    resident = complaint.resident
    nik_problem = nik.problem(resident.nik, catalogue.kecamatan, catalogue.regencies)
    if nik_problem:
        problem(nik_problem, "resident.nik")
    if not resident.name.strip():
        problem("name_required", "resident.name")
    if resident.phone is not None and not _PHONE.match(normalise_phone(resident.phone)):
        problem("invalid_phone", "resident.phone")
    return found
