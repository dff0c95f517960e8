"""Stages of a rule: ordered steps a need passes, each a referral to the stage's own agencies.

A staged need moves on when a stage's referral is resolved with `resolved`; it ends with any
other outcome, or when its last stage (the decision) rejects it. A rejection for incomplete
data at an earlier stage sends it back to the village, where the Puskesos completes it and the
same stage receives it again; any other rejection at an earlier stage goes on to the stage's
next agency, as a single-step rule does.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from referral.domain import errors
from referral.domain.errors import Refusal
from referral.domain.referrals import Referral, current_referrals
from slrt_shared.contracts.referral_states import Outcome

# The agency's reason code that sends a stage back to the village for completion.
SEND_BACK = "data_tidak_lengkap"
# A decision stage's rejection ends the need with this outcome: the proposal is rejected.
REJECTED_OUTCOME: Outcome = "unresolvable"
MAX_STAGES = 10
_CODE = re.compile(r"^[a-z_]{2,40}$")


@dataclass(frozen=True)
class Stage:
    """One step: its code, names, the agencies that handle it in order, and its SLA."""

    code: str
    name_id: str
    name_en: str
    agencies: tuple[str, ...]
    sla_working_days: int

    def as_dict(self) -> dict[str, object]:
        """The stage as stored and announced."""
        return {
            "code": self.code,
            "name_id": self.name_id,
            "name_en": self.name_en,
            "agencies": list(self.agencies),
            "sla_working_days": self.sla_working_days,
        }


def stage_of(value: dict[str, object]) -> Stage:
    """A stage from its stored form."""
    agencies = value["agencies"]
    sla = value["sla_working_days"]
    assert isinstance(agencies, list) and isinstance(sla, int)
    return Stage(
        str(value["code"]),
        str(value["name_id"]),
        str(value["name_en"]),
        tuple(str(a) for a in agencies),
        sla,
    )


@dataclass(frozen=True)
class StagedDispatch:
    """Which stage a dispatch is: the stage, its place (1 first) and how many there are."""

    stage: Stage
    index: int
    total: int


def check_stages(stages: Sequence[Stage], known_agencies: Collection[str]) -> None:
    """Refuse more than ten stages, a repeated code, or a stage without a sound code, names,
    known agencies (none repeated) and an SLA of 1-90 working days."""
    if len(stages) > MAX_STAGES:
        raise Refusal(errors.STAGES_TOO_MANY)
    if len({s.code for s in stages}) != len(stages):
        raise Refusal(errors.STAGES_REPEAT_CODE)
    for number, stage in enumerate(stages, start=1):
        _check_stage(number, stage, known_agencies)


def _check_stage(number: int, stage: Stage, known_agencies: Collection[str]) -> None:
    if not _CODE.match(stage.code):
        raise Refusal(errors.STAGE_BAD_CODE, number=number)
    if not stage.name_id.strip() or not stage.name_en.strip():
        raise Refusal(errors.STAGE_WITHOUT_NAMES, number=number)
    if not stage.agencies:
        raise Refusal(errors.STAGE_WITHOUT_AGENCY, number=number)
    if len(set(stage.agencies)) != len(stage.agencies):
        raise Refusal(errors.STAGE_REPEATS_AGENCY, number=number)
    unknown = sorted(set(stage.agencies) - set(known_agencies))
    if unknown:
        raise Refusal(errors.STAGE_UNKNOWN_AGENCIES, number=number, agencies=", ".join(unknown))
    if not 1 <= stage.sla_working_days <= 90:
        raise Refusal(errors.STAGE_SLA_OUT_OF_RANGE, number=number)


def staged(stages: Sequence[Stage], index: int) -> StagedDispatch:
    """The dispatch of stage `index` (1 first) of these stages."""
    return StagedDispatch(stages[index - 1], index, len(stages))


def next_stage(referral: Referral, outcome: Outcome) -> int | None:
    """The stage to dispatch after this referral's outcome; None when the need ends with it."""
    if referral.stage_index is None or referral.stages_total is None:
        return None
    if outcome == "resolved" and referral.stage_index < referral.stages_total:
        return referral.stage_index + 1
    return None


AfterRejection = Literal["next_agency", "sent_back", "decided"]


def after_rejection(referral: Referral, reason_code: str | None) -> AfterRejection:
    """What a rejection of this referral leads to.

    next_agency: the (stage's) next agency receives the need; sent_back: the need waits at the
    village for completion; decided: the decision stage rejected the proposal, the need ends.
    """
    if referral.stage_index is None or referral.stages_total is None:
        return "next_agency"
    if referral.stage_index == referral.stages_total:
        return "decided"
    if reason_code == SEND_BACK:
        return "sent_back"
    return "next_agency"


def refused_in_stage(earlier: Iterable[Referral], index: int) -> list[str]:
    """Agencies that refused this stage of the need; a send-back is no refusal of the stage."""
    return [
        r.agency_code
        for r in earlier
        if r.stage_index == index and r.status == "rejected" and r.reason_code != SEND_BACK
    ]


def check_current(referral: Referral, referrals: Iterable[Referral]) -> None:
    """Refuse acting on a referral that is not its need's current one (an earlier stage)."""
    current = current_referrals(referrals).get(referral.service_code)
    if current is None or current.id != referral.id:
        raise Refusal(
            errors.STAGE_OUT_OF_ORDER,
            stage=referral.stage or referral.attempt,
            current=(current.stage or current.attempt) if current else "-",
        )


def check_sent_back(referral: Referral, referrals: Iterable[Referral]) -> None:
    """Refuse completing a need unless this referral is its current one and sent it back."""
    check_current(referral, referrals)
    if (
        referral.status != "rejected"
        or referral.outcome is not None
        or after_rejection(referral, referral.reason_code) != "sent_back"
    ):
        raise Refusal(errors.STAGE_NOT_SENT_BACK)
