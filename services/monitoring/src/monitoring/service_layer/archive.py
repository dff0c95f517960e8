"""Keep the country-wide rankings of older months stored, each built whole when it needs to be.

A month before the one just closed changes only with late events, so the ranking job does not
follow it area by area: it counts, per month, the cycles that changed one of its village-months
(`publishing`), and this job builds such a month again, whole, as a request would compute it
(`reports.computed_national`), then stores it by area for the reads to number. One month per
pass, so that a pass stays short beside the ranking job (`domain.archive.next_to_build`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from monitoring.domain.archive import archived_months, next_to_build
from monitoring.domain.periods import current_month
from monitoring.domain.ranking import STATUSES, Place, Policy
from monitoring.service_layer.publishing import AREA_LEVELS, pause
from monitoring.service_layer.reports import NationalRanking, computed_national
from monitoring.service_layer.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class ArchiveMonths:
    """Build the next older month of the served regencies' country-wide ranking that needs it."""

    regencies: list[str]
    # Months stored country-wide, the current one and the one just closed included.
    months: int
    # Age at which a stored month is built again though none of its village-months changed.
    refresh_seconds: float = 3600.0
    # Age at which a stored month whose village-months changed is built again.
    settle_seconds: float = 300.0


def stored_area(row: dict[str, Any]) -> tuple[Place, dict[str, Any]]:
    """A computed ranking row as the store keeps it: its place, and the row without its rank."""
    place = Place(STATUSES.index(row["status"]), row["score"], row["received"], row["flagged"])
    return place, {k: v for k, v in row.items() if k != "rank"}


async def archive_next(
    command: ArchiveMonths, uow: UnitOfWork, *, policy: Policy, now: datetime, started: datetime
) -> str | None:
    """Build and store the older month that most needs it; return it (None: none needed)."""
    wanted = archived_months(current_month(now), command.months)
    if not wanted:
        return None
    # The counts are read before the village-months, so a change counted later builds again.
    changes = await uow.month_changes(wanted)
    month = next_to_build(
        wanted,
        await uow.national_builds(wanted),
        changes,
        levels=len(AREA_LEVELS),
        now=now,
        started=started,
        refresh_seconds=command.refresh_seconds,
        settle_seconds=command.settle_seconds,
    )
    if month is None:
        return None
    for level in AREA_LEVELS:
        await pause()
        query = NationalRanking(command.regencies, month, level, None, None, 0, command.months)
        head, rows = await computed_national(uow, query, policy, now)
        await pause()
        await uow.save_national(
            month,
            level,
            head["summary"],
            [stored_area(r) for r in rows],
            now,
            built_changes=changes.get(month, 0),
        )
    return month
