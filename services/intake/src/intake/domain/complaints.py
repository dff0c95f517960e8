"""Registering a complaint: what makes one acceptable, and the record it becomes."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import asdict, dataclass, field
from datetime import datetime
from uuid import UUID

CHANNELS = frozenset({"walk_in", "phone", "home_visit", "outreach", "open311", "offline_sync"})
MAX_DESCRIPTION = 4000
_NIK = re.compile(r"^\d{16}$")
_PHONE = re.compile(r"^(?:\+62|62|0)8\d{7,12}$")


@dataclass(frozen=True)
class Problem:
    """One reason a complaint cannot be accepted, with a machine-readable code."""

    code: str
    field: str
    message: str


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

    def fingerprint(self) -> str:
        """Hash of the request, to tell a repeat from a different request under the same key."""
        body = asdict(self)
        body["recorded_at"] = self.recorded_at.isoformat()
        return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()


@dataclass(frozen=True)
class Catalogue:
    """What a complaint is checked against: the villages served and the service codes."""

    villages: frozenset[str]
    services: frozenset[str]


@dataclass(frozen=True)
class Registered:
    """A complaint accepted by the platform."""

    complaint_id: UUID
    ticket: str
    received_at: datetime
    complaint: NewComplaint
    problems: tuple[Problem, ...] = field(default=())


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
    problems: list[Problem] = []
    if complaint.village_code not in catalogue.villages:
        problems.append(
            Problem("unknown_village", "village_code", "Not a village this platform serves.")
        )
    if not complaint.needs:
        problems.append(Problem("needs_required", "needs", "At least one need is required."))
    if len(set(complaint.needs)) != len(complaint.needs):
        problems.append(Problem("duplicate_need", "needs", "A need is listed twice."))
    for need in complaint.needs:
        if need not in catalogue.services:
            problems.append(
                Problem("unknown_service", "needs", f"{need!r} is not in the service catalogue.")
            )
    if not complaint.description.strip():
        problems.append(Problem("description_required", "description", "Describe the problem."))
    if len(complaint.description) > MAX_DESCRIPTION:
        problems.append(
            Problem("description_too_long", "description", f"At most {MAX_DESCRIPTION} characters.")
        )
    if complaint.channel not in CHANNELS:
        problems.append(Problem("unknown_channel", "channel", "Not a known channel."))
    if complaint.recorded_at.tzinfo is None:
        problems.append(
            Problem("timezone_required", "recorded_at", "Give the time with its offset.")
        )
    elif complaint.recorded_at > now:
        problems.append(Problem("recorded_in_future", "recorded_at", "Lies in the future."))
    resident = complaint.resident
    if not _NIK.match(resident.nik):
        problems.append(Problem("invalid_nik", "resident.nik", "A NIK has exactly 16 digits."))
    if not resident.name.strip():
        problems.append(Problem("name_required", "resident.name", "The resident's name."))
    if resident.phone is not None and not _PHONE.match(normalise_phone(resident.phone)):
        problems.append(
            Problem("invalid_phone", "resident.phone", "Not an Indonesian mobile number.")
        )
    return problems
