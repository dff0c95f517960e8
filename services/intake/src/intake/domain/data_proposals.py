"""DTSEN data proposals: a village's proposal to add, change or remove a household in the
national welfare registry, as its deliberation (musyawarah desa) agreed it.

A proposal is a case with the need DTSEN, which referral passes through the rule's stages
(completeness, field verification, decision). The household (KK number, the head's NIK and
name) and what to add or change (the DTSEN need's detail) are personal data; the kind, the
removal reason and the deliberation's date are codes that travel on complaint.created.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Final, Literal

from intake.domain import nik as nik_rules
from intake.domain.listing import DAY_ZONE
from intake.domain.programmes import MAX_NAME, ProgrammeRefusedError
from intake.domain.stages import StageNow, stages_now
from intake.domain.tracking import TimelineEntry
from slrt_shared.contracts import reasons

DTSEN_NEED: Final = "DTSEN"
KINDS: Final = ("baru", "perubahan", "penghapusan")
KIND_LABELS: Final[dict[str, tuple[str, str]]] = {  # code -> (id, en)
    "baru": ("Keluarga baru", "New household"),
    "perubahan": ("Perubahan data", "Change of data"),
    "penghapusan": ("Penghapusan", "Removal"),
}
# Every code a proposal is refused with, for the desk app's form to say intake's own words.
REFUSAL_CODES: Final = (
    "unknown_proposal_kind",
    "removal_reason_required",
    "removal_reason_not_allowed",
    "unknown_removal_reason",
    "deliberation_date_required",
    "invalid_deliberation_date",
    "deliberation_date_in_future",
    "deliberation_date_too_old",
    "invalid_kk",
    "name_required",
    "proposal_detail_required",
    "proposal_detail_too_long",
)
REMOVAL: Final = "penghapusan"
MAX_DETAIL: Final = 500
# How old a deliberation may be: a year, to the calendar day. The village deliberations that
# agree DTSEN proposals meet at least once a year, and a record older than that no longer
# vouches for the household as it is now: the village deliberates again.
MAX_AGE_YEARS: Final = 1
_KK = re.compile(r"^\d{16}$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")

Decision = Literal["accepted", "rejected"]


@dataclass(frozen=True)
class DataProposal:
    """A proposal as the village operator sends it (the household's data personal)."""

    kind: str
    deliberation_date: str | None
    removal_reason: str | None
    kk_number: str
    head_nik: str
    head_name: str
    detail: str


def local_date(moment: datetime) -> date:
    """The district's date at a moment (Western Indonesia Time, as intake counts days)."""
    return moment.astimezone(DAY_ZONE).date()


def earliest_deliberation(today: date) -> date:
    """The oldest deliberation date accepted on `today`: the same day a year before (the 28th
    of February for the 29th)."""
    try:
        return today.replace(year=today.year - MAX_AGE_YEARS)
    except ValueError:
        return today.replace(year=today.year - MAX_AGE_YEARS, day=28)


def deliberation_day(raw: str | None, today: date) -> date:
    """The deliberation's date, refused when missing, malformed, future or over a year old."""
    if raw is None or not raw.strip():
        raise ProgrammeRefusedError("deliberation_date_required", "deliberation_date")
    if not _DATE.match(raw):
        raise ProgrammeRefusedError("invalid_deliberation_date", "deliberation_date")
    try:
        day = date.fromisoformat(raw)
    except ValueError as exc:
        raise ProgrammeRefusedError("invalid_deliberation_date", "deliberation_date") from exc
    if day > today:
        raise ProgrammeRefusedError("deliberation_date_in_future", "deliberation_date")
    if day < earliest_deliberation(today):
        raise ProgrammeRefusedError("deliberation_date_too_old", "deliberation_date")
    return day


def check(
    p: DataProposal, today: date, kecamatan: frozenset[str], regencies: frozenset[str]
) -> date:
    """Refuse a proposal whose fields are not valid (in the order of the form); its
    deliberation's date when they are."""
    if p.kind not in KINDS:
        raise ProgrammeRefusedError("unknown_proposal_kind", "kind")
    if p.kind == REMOVAL:
        if not p.removal_reason:
            raise ProgrammeRefusedError("removal_reason_required", "removal_reason")
        if p.removal_reason not in reasons.DTSEN_REMOVAL_CODES:
            raise ProgrammeRefusedError("unknown_removal_reason", "removal_reason")
    elif p.removal_reason is not None:
        raise ProgrammeRefusedError("removal_reason_not_allowed", "removal_reason")
    day = deliberation_day(p.deliberation_date, today)
    if not _KK.match(p.kk_number):
        raise ProgrammeRefusedError("invalid_kk", "kk_number")
    nik_problem = nik_rules.problem(p.head_nik, kecamatan, regencies)
    if nik_problem:
        raise ProgrammeRefusedError(nik_problem, "head_nik")
    if not p.head_name.strip() or len(p.head_name) > MAX_NAME:
        raise ProgrammeRefusedError("name_required", "head_name")
    if p.kind == "perubahan" and not p.detail.strip():
        raise ProgrammeRefusedError("proposal_detail_required", "detail")
    if len(p.detail) > MAX_DETAIL:
        raise ProgrammeRefusedError("proposal_detail_too_long", "detail")
    return day


def description(kind: str, removal_reason: str | None, day: date) -> str:
    """The case's description: the proposal's codes only (what it is about is its detail)."""
    reason = f" ({removal_reason})" if removal_reason else ""
    return f"Usulan DTSEN: {kind}{reason}, musyawarah desa {day.isoformat()}."


@dataclass(frozen=True)
class Standing:
    """Where a proposal stands: its current stage (None before the first), whether it waits at
    the village, and the decision once the case is closed."""

    stage: StageNow | None
    decision: Decision | None
    reason_code: str | None


def standing(
    entries: Sequence[TimelineEntry], status: str, outcomes: Sequence[Mapping[str, str]] | None
) -> Standing:
    """A proposal's stage and decision as its timeline and closing tell them.

    Accepted when the case closed with the DTSEN need `resolved` (the last stage's agency
    resolved it); rejected when it closed otherwise, with the reason code its last stage's
    agency rejected it with, else the outcome.
    """
    stage = next((s for s in stages_now(entries) if s.service_code == DTSEN_NEED), None)
    if status != "closed":
        return Standing(stage, None, None)
    outcome = next(
        (o.get("outcome") for o in outcomes or () if o.get("service_code") == DTSEN_NEED), None
    )
    if outcome == "resolved":
        return Standing(stage, "accepted", None)
    last = stage.referral_id if stage else None
    reasons_given = [
        e.reason_code
        for e in entries
        if e.kind == "rejected" and e.reason_code and e.referral_id == last
    ]
    return Standing(stage, "rejected", reasons_given[-1] if reasons_given else outcome)
