"""Publish the current rankings when they change: stored, and announced as ranking.updated."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from monitoring.domain.periods import ROLLING, current_month
from monitoring.domain.ranking import Policy, announced_row, digest
from monitoring.service_layer.reports import all_rankings
from monitoring.service_layer.unit_of_work import UnitOfWork
from slrt_shared.contracts.envelope import new_event
from slrt_shared.contracts.events import RankingUpdated


@dataclass(frozen=True)
class PublishRankings:
    """Recompute the served regencies' rankings (and the country's, with `national`)."""

    regencies: list[str]
    national: bool = False


async def publish_changed(
    command: PublishRankings, uow: UnitOfWork, *, policy: Policy, now: datetime
) -> int:
    """Recompute the current rankings; store and announce (ranking.updated) those that changed.

    With `national`, also store the country-wide ranking, read a page at a time by
    `/v1/rankings?regency=all` (it is not announced: one record could not carry it).
    """
    published = 0
    for period in (current_month(now), ROLLING):
        computed = await all_rankings(uow, command.regencies, period, policy, now, command.national)
        digests = await uow.digests(period)
        for (regency, level), rows in computed.by_regency.items():
            fingerprint = digest(rows)
            if digests.get((regency, level)) == fingerprint:
                continue
            payload = json.dumps(rows, default=str)
            await uow.save_snapshot(regency, period, level, fingerprint, payload, now)
            event = RankingUpdated(
                regency_code=regency,
                period=period,
                level=level,
                computed_at=now,
                rows=[announced_row(r) for r in rows],
            )
            uow.announce(new_event(event, source="/slrt/monitoring", subject=regency, time=now))
            published += 1
        for level, rows in computed.national.items():
            await uow.save_national(period, level, computed.national_summary, rows, now)
    return published
