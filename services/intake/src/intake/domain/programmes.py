"""PKH graduations: facilitators, the district's yearly targets, proposals and the year's pace.

A graduation proposal is a case with the need GRADUASI; the PKH coordinator (agency `PKH`)
confirms it by resolving its referral with the outcome `resolved`, or refuses it by rejecting
the referral (any other outcome of PKH's is no confirmation either). A household graduates
once: it is known by a keyed hash of its KK number, never the number, outside `residents`.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Final, Literal

from intake.domain import nik as nik_rules
from slrt_shared import regions
from slrt_shared.pace import Pace as Pace
from slrt_shared.pace import elapsed_share as elapsed_share
from slrt_shared.pace import pace as pace

GRADUATION_NEED: Final = "GRADUASI"
PKH_AGENCY: Final = "PKH"
MAX_EVIDENCE: Final = 500
MAX_NAME: Final = 200
MAX_TARGET: Final = 1_000_000  # more households than a regency has
KINDS: Final[dict[str, tuple[str, str]]] = {  # code -> (id, en)
    "sejahtera_mandiri": ("Graduasi sejahtera mandiri", "Self-reliant graduation"),
    "graduasi_alamiah": (
        "Graduasi alamiah (tidak lagi memenuhi syarat)",
        "Natural graduation (no longer eligible)",
    ),
}
_KK = re.compile(r"^\d{16}$")
_FACILITATOR = re.compile(r"^[A-Z0-9][A-Z0-9-]{1,39}$")

Decision = Literal["confirmed", "refused"]


class ProgrammeRefusedError(Exception):
    """A programme request refused with a catalogue code (and the field it is about)."""

    def __init__(self, code: str, field: str = "") -> None:
        super().__init__(code)
        self.code = code
        self.field = field


@dataclass(frozen=True)
class Facilitator:
    """A PKH facilitator of a regency and the villages they accompany."""

    code: str
    name: str
    regency_code: str
    village_codes: tuple[str, ...]
    active: bool = True


@dataclass(frozen=True)
class Target:
    """A regency's graduation target of a year: the district's total, each one's minimum."""

    regency_code: str
    year: int
    district_total: int
    per_facilitator: int


@dataclass(frozen=True)
class Proposal:
    """A graduation proposal as the village operator sends it (the household's data personal)."""

    village_code: str
    kk_number: str
    head_nik: str
    head_name: str
    facilitator_code: str
    kind: str
    evidence: str


def check_facilitator(f: Facilitator, villages: frozenset[str]) -> None:
    """Refuse a facilitator with a malformed code, no name, or a village outside its regency."""
    if not _FACILITATOR.match(f.code):
        raise ProgrammeRefusedError("invalid_facilitator_code", "code")
    if not f.name.strip() or len(f.name) > MAX_NAME:
        raise ProgrammeRefusedError("facilitator_name_required", "name")
    if not f.village_codes:
        raise ProgrammeRefusedError("facilitator_villages_required", "village_codes")
    for v in f.village_codes:
        if v not in villages or not regions.within(v, f.regency_code):
            raise ProgrammeRefusedError("facilitator_village_unknown", "village_codes")


def check_target(t: Target, regencies: frozenset[str]) -> None:
    """Refuse a target of a regency not served, or with totals that are not counts."""
    if t.regency_code not in regencies:
        raise ProgrammeRefusedError("unknown_regency", "regency")
    if not 2000 <= t.year <= 2100:
        raise ProgrammeRefusedError("invalid_year", "year")
    if not 0 < t.district_total <= MAX_TARGET or not 0 <= t.per_facilitator <= t.district_total:
        raise ProgrammeRefusedError("invalid_target", "district_total")


def check_proposal(
    p: Proposal,
    facilitator: Facilitator | None,
    kecamatan: frozenset[str],
    regencies: frozenset[str],
) -> None:
    """Refuse a proposal whose data is malformed or whose facilitator may not propose it.

    Checked in the order an operator fixes them: the form's fields, then the facilitator.
    """
    if not _KK.match(p.kk_number):
        raise ProgrammeRefusedError("invalid_kk", "kk_number")
    nik_problem = nik_rules.problem(p.head_nik, kecamatan, regencies)
    if nik_problem:
        raise ProgrammeRefusedError(nik_problem, "head_nik")
    if not p.head_name.strip() or len(p.head_name) > MAX_NAME:
        raise ProgrammeRefusedError("name_required", "head_name")
    if p.kind not in KINDS:
        raise ProgrammeRefusedError("unknown_graduation_kind", "kind")
    if not p.evidence.strip():
        raise ProgrammeRefusedError("evidence_required", "evidence")
    if len(p.evidence) > MAX_EVIDENCE:
        raise ProgrammeRefusedError("evidence_too_long", "evidence")
    if facilitator is None:
        raise ProgrammeRefusedError("unknown_facilitator", "facilitator_code")
    if not facilitator.active:
        raise ProgrammeRefusedError("facilitator_inactive", "facilitator_code")
    if p.village_code not in facilitator.village_codes:
        raise ProgrammeRefusedError("village_not_accompanied", "facilitator_code")


def household_hash(key: bytes, kk_number: str) -> str:
    """The keyed hash a household is known by outside the personal data (HMAC-SHA256)."""
    return hmac.new(key, f"kk:{kk_number}".encode(), hashlib.sha256).hexdigest()


def decision_of_outcome(agency_code: str, outcome: str) -> Decision | None:
    """What an agency's outcome decides of a graduation: PKH's `resolved` confirms it, its
    other outcomes refuse it; another agency's outcome decides nothing."""
    if agency_code != PKH_AGENCY:
        return None
    return "confirmed" if outcome == "resolved" else "refused"


def decision_of_status(agency_code: str, status: str) -> Decision | None:
    """PKH rejecting the referral refuses the graduation; nothing else does."""
    return "refused" if agency_code == PKH_AGENCY and status == "rejected" else None


def year_bounds(year: int) -> tuple[datetime, datetime]:
    """The instants a year starts and ends (UTC, as the decisions are stamped)."""
    return datetime(year, 1, 1, tzinfo=UTC), datetime(year + 1, 1, 1, tzinfo=UTC)
