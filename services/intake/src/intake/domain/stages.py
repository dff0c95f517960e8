"""Where a staged need (a DTSEN proposal, say) stands, as the complaint's timeline tells it.

Referral sends a staged need stage after stage; a stage's agency that finds the proposal
incomplete rejects it with `data_tidak_lengkap` and, before the last stage, that sends it back
to the village ("perlu dilengkapi") until the Puskesos completes it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from intake.domain.tracking import TimelineEntry

SEND_BACK = "data_tidak_lengkap"


@dataclass(frozen=True)
class StageNow:
    """A staged need's current stage, and whether it waits at the village for completion."""

    service_code: str
    stage: str
    index: int
    total: int
    waiting_at_village: bool
    referral_id: str
    completions: int


def stages_now(entries: Sequence[TimelineEntry]) -> list[StageNow]:
    """The current stage of each staged need of a complaint, by the order of its entries."""
    latest: dict[str, TimelineEntry] = {}
    for e in entries:
        if e.kind == "referred" and e.stage and e.service_code:
            latest[e.service_code] = e
    found = []
    for service_code, referred in latest.items():
        if referred.stage_index is None or referred.stages_total is None or not referred.stage:
            continue
        about = [e for e in entries if e.referral_id == referred.referral_id]
        sent_back = referred.stage_index < referred.stages_total and any(
            e.kind == "rejected" and e.reason_code == SEND_BACK for e in about
        )
        completed = any(e.kind == "completed" for e in about)
        completions = sum(
            1 for e in entries if e.kind == "completed" and e.service_code == service_code
        )
        found.append(
            StageNow(
                service_code,
                referred.stage,
                referred.stage_index,
                referred.stages_total,
                sent_back and not completed,
                referred.referral_id or "",
                completions,
            )
        )
    return found


def waiting(entries: Sequence[TimelineEntry], service_code: str) -> StageNow | None:
    """The need's stage when it waits at the village for completion; None otherwise."""
    for now in stages_now(entries):
        if now.service_code == service_code and now.waiting_at_village:
            return now
    return None
