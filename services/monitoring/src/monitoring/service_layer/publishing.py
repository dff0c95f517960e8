"""Publish the current rankings when they change: stored, and announced as ranking.updated.

The villages' and kecamatan's rankings (each regency's, and the country's with `national`) are
kept from the village-months incrementally: each cycle recomputes the village-months the facts'
triggers noted stale (each once, in one statement); the job remembers each area's state between
cycles and recomputes only the areas whose village-months changed or whose tally the clock
changed (a referral falling due, a complaint leaving the last 30 days); the others only age
their backlog. The country's places are computed again only when an area's score inputs
moved, and then only the areas whose row changed are rewritten: the stored ranking is kept by
area, in the index's order, and numbered when read, so an area that moves is one row however
far it moves; the country's summary is kept as its villages change (`domain.country`). A
backlog that only aged changes no rank, so its rows are rewritten in place, at most every
`backlog_refresh_seconds` (an idle cycle reads the stale village-months and writes nothing).
Besides the month and the last 30 days, the month just closed stays stored country-wide and
follows its late events the same way (its regency rankings are no longer announced); older
months kept stored are built whole by the archive job (`archive`), told here which changed.
The agencies' rankings are recomputed from the facts.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from monitoring.domain.archive import archived_months
from monitoring.domain.country import CountryTally
from monitoring.domain.measures import (
    AgencyTally,
    AreaState,
    VillageMonth,
    area_state,
    at_moment,
    measure_fields,
    microseconds,
)
from monitoring.domain.periods import ROLLING, current_month, months_before, period_bounds
from monitoring.domain.ranking import (
    NOT_ACTIVE,
    Place,
    Policy,
    RawScores,
    agency_rows,
    announced_row,
    encoded,
    measured_rows,
    places,
)
from monitoring.domain.regions import kecamatan_of, regency_of
from monitoring.domain.verdicts import VerdictTally
from monitoring.service_layer.unit_of_work import UnitOfWork
from monitoring.service_layer.verdict_reports import area_verdicts
from slrt_shared.contracts.envelope import new_event
from slrt_shared.contracts.events import RankingUpdated

AREA_LEVELS = ("village", "kecamatan")
REGION_LEVEL = {"village": "village", "kecamatan": "district"}


@dataclass(frozen=True)
class PublishRankings:
    """Recompute the served regencies' rankings (and the country's, with `national`)."""

    regencies: list[str]
    national: bool = False
    # How stale the stored country-wide backlog ages may grow while no rank moves.
    backlog_refresh_seconds: float = 600.0
    # Months stored country-wide, the current one included; the older ones (before the month
    # just closed) are built whole by the archive job, which this job tells what changed.
    national_months: int = 2


# An area's stored country-wide row: its place, its measures' fields, the row (without rank).
StoredArea = tuple[Place, dict[str, Any], dict[str, Any]]
NOT_ACTIVE_FIELDS = measure_fields(NOT_ACTIVE)


@dataclass
class PeriodMemory:
    """What the job last knew of one period: its village-months and each area's state."""

    since: date
    parts: dict[str, list[VillageMonth]]
    states: dict[str, dict[str, AreaState]] = field(default_factory=dict)
    # Of the stored country-wide ranking, by level: each area's place, fields and row as stored.
    national: dict[str, dict[str, StoredArea]] = field(default_factory=dict)
    # Each level's verdict tallies by area, read each cycle only when the policy weighs them.
    verdicts: dict[str, dict[str, VerdictTally] | None] = field(default_factory=dict)

    # The villages' tally together (kept with national): the stored ranking's summary.
    country: CountryTally = field(default_factory=CountryTally)
    # When the stored country-wide ranking was last written.
    written_us: int = 0
    # Each level's raw scores as last computed for the country, and the policy they were under.
    raw_scores: dict[str, RawScores] = field(default_factory=dict)
    scored_with: Policy | None = None
    # Areas whose backlog aged since the stored ranking was written, by level.
    aged: dict[str, set[str]] = field(default_factory=dict)


@dataclass
class RankingMemory:
    """Kept by the ranking job between its cycles, while it alone publishes."""

    periods: dict[str, PeriodMemory] = field(default_factory=dict)
    regions: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    by_regency: dict[str, dict[str, list[dict[str, Any]]]] = field(default_factory=dict)
    # The month in which the stored country-wide rankings of older periods were last dropped.
    pruned_in: str | None = None

    def forget(self) -> None:
        """Start again from Postgres at the next cycle (the lock was lost, or a cycle failed)."""
        self.periods.clear()
        self.regions.clear()
        self.by_regency.clear()
        self.pruned_in = None


def _announce(
    uow: UnitOfWork,
    regency: str,
    period: str,
    level: str,
    rows: list[dict[str, Any]],
    now: datetime,
) -> None:
    event = RankingUpdated(
        regency_code=regency,
        period=period,
        level=level,
        computed_at=now,
        rows=[announced_row(r) for r in rows],
    )
    uow.announce(new_event(event, source="/slrt/monitoring", subject=regency, time=now))


async def pause() -> None:
    """Let the process's requests and consumers run between the steps of a long cycle."""
    await asyncio.sleep(0)


def _steady(old: AreaState | None, new: AreaState | None) -> bool:
    """Whether an area's published measures are the same but for its backlog's age."""
    if old is None or new is None:
        return old is new
    keep = old.measures.backlog_median_age_days
    return old.fields == {**new.fields, "backlog_median_age_days": keep}


@dataclass
class Moved:
    """What a cycle's first step left to announce: each period's regencies ranked again."""

    periods: dict[str, set[str]] = field(default_factory=dict)


async def publish_changed(
    command: PublishRankings,
    uow: UnitOfWork,
    memory: RankingMemory,
    *,
    policy: Policy,
    now: datetime,
) -> int:
    """Bring the current village and kecamatan rankings up to date; return how many were announced.

    Each regency's ranking is stored and announced (ranking.updated) when it changed; with
    `national`, the country-wide ranking is stored too (only its changed rows are rewritten),
    read a page at a time by `/v1/rankings?regency=all` (one record could not carry it). The
    job runs the two steps (`refresh_rankings`, `announce_rankings`) in two transactions.
    """
    moved = await refresh_rankings(command, uow, memory, policy=policy, now=now)
    return await announce_rankings(moved, uow, memory, policy=policy, now=now)


async def refresh_rankings(
    command: PublishRankings,
    uow: UnitOfWork,
    memory: RankingMemory,
    *,
    policy: Policy,
    now: datetime,
) -> Moved:
    """Bring every area's state (and the stored country-wide ranking) up to date.

    Returns the regencies whose rankings are to be announced again, by period: the
    country-wide ranking can be committed before the regencies' rankings are built.
    """
    result = Moved()
    # The village-months noted stale since the last cycle, recomputed once each, here.
    changes = await uow.refresh_village_months()
    for level in AREA_LEVELS:
        if level not in memory.regions:
            memory.regions[level] = await uow.regions(command.regencies, REGION_LEVEL[level])
            grouped: dict[str, list[dict[str, Any]]] = defaultdict(list)
            for region in memory.regions[level]:
                grouped[regency_of(region["code"])].append(region)
            memory.by_regency[level] = grouped
    served = set(command.regencies)
    now_us = microseconds(now)
    month = current_month(now)
    # The month just closed is kept stored country-wide (late events still move it); it has no
    # regency rankings to announce any more.
    previous = months_before(month, 2)[0]
    periods = [month, ROLLING, previous] if command.national else [month, ROLLING]
    for gone in set(memory.periods) - set(periods):
        del memory.periods[gone]
    archived = archived_months(month, command.national_months) if command.national else []
    if command.national and memory.pruned_in != month:
        kept = {*periods, *archived}
        older = [p for p in await uow.national_periods() if p not in kept]
        if older:
            await uow.drop_national(older)
        memory.pruned_in = month
    if archived:
        changed_months = {m.strftime("%Y-%m") for _, m in changes} & set(archived)
        if changed_months:
            await uow.note_month_changes(sorted(changed_months))
    for period in periods:
        announcing = period != previous
        start, end = period_bounds(period, now)
        assert start is not None  # a month or the last 30 days
        since = start.date().replace(day=1)
        until = end.date() if end is not None else None
        rolling = period == ROLLING
        since_us = microseconds(start) if rolling else None
        window_us = microseconds(now) - microseconds(start) if rolling else None
        held = memory.periods.get(period)
        fresh = False
        if held is None or held.since != since:
            held = PeriodMemory(since, defaultdict(list))
            for part in await uow.village_months(command.regencies, since, until):
                held.parts[part.village].append(part)
            dirty = set(held.parts)
            memory.periods[period] = held
            fresh = True
        else:
            dirty = {
                v
                for v, month in changes
                if month >= since and (until is None or month < until) and regency_of(v) in served
            }
            for v in dirty:
                held.parts.pop(v, None)
            if dirty:
                for part in await uow.village_months(
                    command.regencies, since, until, sorted(dirty)
                ):
                    held.parts[part.village].append(part)
        members: dict[str, list[str]] = defaultdict(list)
        for v in held.parts:
            members[kecamatan_of(v)].append(v)
        touched = {"village": dirty, "kecamatan": {kecamatan_of(v) for v in dirty}}
        # Regencies with an area changed beyond its backlog's age (all of them, the first time).
        moved: set[str] = set(served) if fresh else set()
        aged_areas: dict[str, set[str]] = {level: set() for level in AREA_LEVELS}
        for level in AREA_LEVELS:
            states = held.states.setdefault(level, {})
            due = {
                a
                for a, s in states.items()
                if s.steady_until is not None and now_us > s.steady_until
            }
            for area in touched[level] | due:
                parts = (
                    held.parts.get(area, [])
                    if level == "village"
                    else [p for v in members.get(area, []) for p in held.parts[v]]
                )
                new = area_state(parts, now_us, since_us, window_us) if parts else None
                old = states.get(area)
                if level == "village" and command.national:
                    held.country.change(old, new)
                if not _steady(old, new):
                    moved.add(regency_of(area))
                elif old is not None and new is not None and old.measures != new.measures:
                    aged_areas[level].add(area)
                if new is None:
                    states.pop(area, None)
                else:
                    states[area] = new
            for area, state in states.items():
                later = at_moment(state, now_us)
                if later is not state:
                    states[area] = later
                    aged_areas[level].add(area)
            await pause()
        for level in AREA_LEVELS:
            said = await area_verdicts(uow, command.regencies, start, end, level, policy)
            if said is not None and said != held.verdicts.get(level):
                before = held.verdicts.get(level) or {}
                moved |= {
                    regency_of(a) for a in set(said) | set(before) if said.get(a) != before.get(a)
                }
            held.verdicts[level] = said
        if announcing and moved & served:
            result.periods[period] = moved & served
        if command.national:
            if moved or not held.national:
                await _store_national(uow, memory, held, period, policy, now_us, now)
            else:
                for level in AREA_LEVELS:
                    held.aged.setdefault(level, set()).update(aged_areas[level])
                if (
                    any(held.aged.values())
                    and now_us - held.written_us >= command.backlog_refresh_seconds * 1_000_000
                ):
                    await _age_national(uow, held, period, now_us, now)
    return result


async def announce_rankings(
    moved: Moved,
    uow: UnitOfWork,
    memory: RankingMemory,
    *,
    policy: Policy,
    now: datetime,
) -> int:
    """Rank again the regencies `refresh_rankings` found moved; store and announce the changed."""
    published = 0
    for period, announced in moved.periods.items():
        held = memory.periods[period]
        digests = await uow.digests(period)
        # Every area's measures, built once for the regencies ranked again.
        measures = {
            level: {a: s.measures for a, s in held.states[level].items()} for level in AREA_LEVELS
        }
        known = {
            level: {a: s.fields for a, s in held.states[level].items()} for level in AREA_LEVELS
        }
        for regency in sorted(announced):
            await pause()
            for level in AREA_LEVELS:
                regions = memory.by_regency[level].get(regency, [])
                rows = measured_rows(
                    regions, measures[level], policy, known[level], held.verdicts.get(level)
                )
                payload, fingerprint = encoded(rows)
                if digests.get((regency, level)) == fingerprint:
                    continue
                await uow.save_snapshot(regency, period, level, fingerprint, payload, now)
                _announce(uow, regency, period, level, rows, now)
                published += 1
    return published


async def _store_national(
    uow: UnitOfWork,
    memory: RankingMemory,
    held: PeriodMemory,
    period: str,
    policy: Policy,
    now_us: int,
    now: datetime,
) -> None:
    """Store the country-wide rankings of a period: rewrite only the areas whose row changed.

    Each area's place is computed again (the shrinkage's mean is the country's), but the order
    is the index's: an area that moved is one row rewritten, however far it moved.
    """
    summary = held.country.fields(now_us)
    if held.scored_with != policy:
        held.raw_scores.clear()
        held.scored_with = policy
    for level in AREA_LEVELS:
        await pause()
        states = held.states[level]
        regions = memory.regions[level]
        placed = places(
            {
                a["code"]: (a["name"], s.measures if (s := states.get(a["code"])) else NOT_ACTIVE)
                for a in regions
            },
            policy,
            held.verdicts.get(level),
            held.raw_scores.setdefault(level, {}),
        )
        before = held.national.get(level)
        stored: dict[str, StoredArea] = {}
        changed: list[tuple[Place, dict[str, Any]]] = []
        for region in regions:
            code = region["code"]
            place = placed[code]
            state = states.get(code)
            fields = state.fields if state is not None else NOT_ACTIVE_FIELDS
            old = before.get(code) if before is not None else None
            if old is not None and old[0] == place and (old[1] is fields or old[1] == fields):
                stored[code] = old
                continue
            row = {
                "code": code,
                "name": region["name"],
                "score": place.score,
                "status": place.status,
                "flagged": place.flagged,
                **fields,
            }
            stored[code] = (place, fields, row)
            changed.append((place, row))
        if before is None:
            await uow.save_national(period, level, summary, changed, now)
        else:
            removed = sorted(set(before) - set(stored))
            await uow.update_national(period, level, summary, changed, removed, len(stored), now)
        held.national[level] = stored
    held.aged.clear()
    held.written_us = now_us


async def _age_national(
    uow: UnitOfWork, held: PeriodMemory, period: str, now_us: int, now: datetime
) -> None:
    """Rewrite the stored country-wide rows whose backlog only aged: no rank moves with an age."""
    summary = held.country.fields(now_us)
    for level in AREA_LEVELS:
        await pause()
        stored = held.national[level]
        states = held.states[level]
        changed: list[tuple[Place, dict[str, Any]]] = []
        for area in sorted(held.aged.get(level, ())):
            entry = stored.get(area)
            state = states.get(area)
            if entry is None or state is None:
                continue
            place, _, row = entry
            age = state.fields["backlog_median_age_days"]
            if row["backlog_median_age_days"] != age:
                row = {**row, "backlog_median_age_days": age}
                changed.append((place, row))
            stored[area] = (place, state.fields, row)
        await uow.update_national(period, level, summary, changed, [], len(stored), now)
    held.aged.clear()
    held.written_us = now_us


async def publish_agencies(
    command: PublishRankings, uow: UnitOfWork, *, policy: Policy, now: datetime
) -> int:
    """Recompute every served regency's agency ranking; store and announce those that changed."""
    published = 0
    names = await uow.agency_names()
    for period in (current_month(now), ROLLING):
        start, end = period_bounds(period, now)
        agencies = await uow.agency_tallies(command.regencies, start, end, now)
        groups: dict[str, dict[str | None, AgencyTally]] = defaultdict(dict)
        for (regency, agency), t in agencies.items():
            groups[regency][agency] = t
        digests = await uow.digests(period)
        for regency in command.regencies:
            rows = agency_rows(groups[regency], names)
            payload, fingerprint = encoded(rows)
            if digests.get((regency, "agency")) == fingerprint:
                continue
            await uow.save_snapshot(regency, period, "agency", fingerprint, payload, now)
            _announce(uow, regency, period, "agency", rows, now)
            published += 1
    return published
