"""Keep the residents' verdicts and reopenings from their events; each event counts once (inbox)."""

from __future__ import annotations

from monitoring.service_layer.unit_of_work import UnitOfWork
from slrt_shared.contracts.events import ComplaintRated, ComplaintReopened
from slrt_shared.contracts.reasons import FALLBACK, is_reopen_code


async def on_rated(data: ComplaintRated, uow: UnitOfWork) -> None:
    """Keep a complaint's latest verdict: a lower revision read after a higher one is ignored."""
    await uow.save_verdict(
        data.complaint_id, data.village_code, data.solved, data.rating, data.revision, data.rated_at
    )


async def on_reopened(data: ComplaintReopened, uow: UnitOfWork) -> None:
    """Record a reopening with its reason code (a code newer than this list counts as `lainnya`)."""
    code = data.reason_code if is_reopen_code(data.reason_code) else FALLBACK
    await uow.save_reopening(
        data.complaint_id, data.reopening, data.village_code, code, data.reopened_at
    )
