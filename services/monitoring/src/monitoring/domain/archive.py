"""Older months' country-wide rankings: which are kept stored, and which to build next."""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

from monitoring.domain.periods import months_before


class StoredMonth(NamedTuple):
    """A stored month's build: its levels, its oldest level's time, the changes it was built on."""

    levels: int
    computed_at: datetime
    built_changes: int


def archived_months(month: str, kept: int) -> list[str]:
    """The months kept stored but built whole: those before the month just closed, newest first.

    `kept` counts the months stored country-wide, the current one and the one just closed
    (which the ranking job follows event by event) included.
    """
    return months_before(month, kept)[:-2][::-1]


def next_to_build(
    wanted: list[str],
    stored: dict[str, StoredMonth],
    changes: dict[str, int],
    *,
    levels: int,
    now: datetime,
    started: datetime,
    refresh_seconds: float,
    settle_seconds: float = 0.0,
) -> str | None:
    """The month to build now, if any, in this order (newest first within each).

    A month not stored (or not at every level); one whose village-months changed since its
    build, once that build is `settle_seconds` old (agencies close old referrals all the time:
    a month is not built again for each); the one built longest ago if that was before
    `started` (another policy may have built it) or `refresh_seconds` ago (its backlog aged,
    its referrals fell due since).
    """
    missing = [p for p in wanted if p not in stored or stored[p].levels < levels]
    if missing:
        return missing[0]
    changed = [
        p
        for p in wanted
        if changes.get(p, 0) > stored[p].built_changes
        and (now - stored[p].computed_at).total_seconds() >= settle_seconds
    ]
    if changed:
        return changed[0]
    due = [
        p
        for p in wanted
        if stored[p].computed_at < started
        or (now - stored[p].computed_at).total_seconds() >= refresh_seconds
    ]
    return min(due, key=lambda p: stored[p].computed_at) if due else None
