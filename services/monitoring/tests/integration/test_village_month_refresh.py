"""Village-months recomputed once per ranking cycle, not once per fact, and still as the facts say.

A fact upsert only notes its village-month stale; the ranking cycle recomputes each noted
village-month once (one statement for all of them), and readers read the noted ones recomputed.
Checked on real Postgres against `rebuild_village_months()`, the from-scratch computation.
"""

from __future__ import annotations

import contextlib
import random
from datetime import date, timedelta
from typing import Any

import asyncpg
import pytest

from monitoring.adapters.unit_of_work import MonitoringUnitOfWork
from monitoring.domain.measures import VillageMonth
from monitoring.domain.ranking import Policy
from monitoring.service_layer import publishing
from slrt_shared.contracts.topics import TopicLayout

from .test_village_months import DAY, NOW, OTHER, VILLAGE, apply, case_events

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]

Key = tuple[str, date]
Shape = tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]


def shape(part: VillageMonth) -> Shape:
    """A village-month's complaints and referrals as sorted tuples (arrays are multisets)."""
    complaints = sorted(zip(part.received_us, part.prompt, part.close_us, strict=True), key=repr)
    referrals = sorted(
        zip(
            part.ref_received_us,
            part.ref_due_us,
            part.ref_resolved,
            part.ref_met,
            part.ref_escalations,
            part.ref_again,
            strict=True,
        ),
        key=repr,
    )
    return complaints, referrals


async def stored(conn: asyncpg.Connection) -> dict[Key, Shape]:
    """Every stored village-month row, keyed by village and month."""
    rows = await conn.fetch(
        "SELECT month, village_code, received_us, prompt, close_us, ref_received_us, ref_due_us,"
        " ref_resolved, ref_met, ref_escalations, ref_again FROM village_months"
    )
    return {(r[1], r[0]): shape(VillageMonth(*list(r)[1:])) for r in rows}


async def counts(conn: asyncpg.Connection) -> dict[str, int]:
    """This transaction's calls of the schema's functions and writes of `village_months`."""
    calls = {
        r["funcname"]: r["calls"]
        for r in await conn.fetch("SELECT funcname, calls FROM pg_stat_xact_user_functions")
    }
    writes = await conn.fetchval(
        "SELECT coalesce(sum(n_tup_ins + n_tup_upd + n_tup_del), 0) FROM pg_stat_xact_user_tables"
        " WHERE relname = 'village_months'"
    )
    return {**calls, "village_months writes": writes}


async def test_many_facts_of_one_village_month_are_recomputed_once_in_the_next_cycle(
    uow: MonitoringUnitOfWork, test_env: Any
) -> None:
    # Function calls are counted for this transaction only (pg_stat_xact_user_functions); the
    # service's role may count them once the cluster's superuser lets it.
    admin = await asyncpg.connect(test_env.admin_url)
    role = await uow.conn.fetchval("SELECT current_user")
    try:
        await admin.execute(f'GRANT SET ON PARAMETER track_functions TO "{role}"')
        await uow.conn.execute("SET LOCAL track_functions = 'all'")
    finally:
        # Set for this transaction; the grant would keep the scratch role from being dropped.
        await admin.execute(f'REVOKE SET ON PARAMETER track_functions FROM "{role}"')
        await admin.close()
    memory = publishing.RankingMemory()
    command = publishing.PublishRankings(["32.15"], national=False)
    policy = Policy(min_caseload=1)
    await publishing.publish_changed(command, uow, memory, policy=policy, now=NOW)
    before = await counts(uow.conn)
    events = [e for i in range(4) for e in case_events(VILLAGE, NOW - DAY * (1 + i), i % 2 == 0)]
    for event in events:
        await apply(uow, event)
    during = await counts(uow.conn)
    # 28 fact upserts: no village-month recomputed, none written (the old triggers recomputed
    # and rewrote the whole village-month on each).
    assert during["village_months writes"] == before["village_months writes"]
    assert during.get("refresh_village_month", 0) == 0
    assert during.get("village_months_of", 0) == before.get("village_months_of", 0)
    await publishing.publish_changed(command, uow, memory, policy=policy, now=NOW)
    after = await counts(uow.conn)
    # The cycle: one refresh, one recomputation (one call for all the noted keys), one row.
    assert after["refresh_village_months"] == before.get("refresh_village_months", 0) + 1
    assert after["village_months_of"] == before.get("village_months_of", 0) + 1
    assert after["village_months writes"] == before["village_months writes"] + 1
    # A cycle with nothing noted recomputes nothing.
    await publishing.publish_changed(command, uow, memory, policy=policy, now=NOW)
    idle = await counts(uow.conn)
    assert idle["village_months writes"] == after["village_months writes"]
    assert await stored(uow.conn) == await rebuilt_in(uow.conn)


async def rebuilt_in(conn: asyncpg.Connection) -> dict[Key, Shape]:
    """The village-months computed from scratch, inside a savepoint rolled back afterwards."""
    tx = conn.transaction()
    await tx.start()
    try:
        await conn.execute("SELECT rebuild_village_months()")
        return await stored(conn)
    finally:
        await tx.rollback()


async def served_in(uow: MonitoringUnitOfWork) -> dict[Key, Shape]:
    """What readers are served: the stored rows, those noted stale read recomputed."""
    rows = await uow.conn.fetch(
        "SELECT v.month FROM village_months v UNION SELECT month FROM stale_village_months()"
    )
    months = sorted({r["month"] for r in rows})
    out: dict[Key, Shape] = {}
    for month in months:
        for part in await uow.current_village_months(
            None, month, (month + timedelta(days=32)).replace(day=1)
        ):
            out[(part.village, month)] = shape(part)
    return out


async def refresh(pool: asyncpg.Pool) -> None:
    """A ranking cycle's refresh, committed."""
    async with MonitoringUnitOfWork(pool, TopicLayout()) as unit:
        await unit.refresh_village_months()
        await unit.commit()


@pytest.mark.parametrize(
    "order",
    [
        # the complaint's transaction commits first, a cycle runs, then the referral's
        ("complaint", "refresh", "referral", "refresh"),
        # the referral's (its complaint not yet there) commits first
        ("referral", "refresh", "complaint", "refresh"),
        # two referrals of one committed complaint, in two transactions
        ("second referral", "refresh", "referral", "refresh"),
    ],
)
async def test_concurrent_facts_of_one_complaint_end_in_the_right_village_month(
    scratch_pool: asyncpg.Pool, order: tuple[str, ...]
) -> None:
    events = case_events(OTHER, NOW - DAY, rejected=False)
    created, first, second = events[0], events[1], events[4]
    if "second referral" in order:
        async with MonitoringUnitOfWork(scratch_pool, TopicLayout()) as unit:
            await apply(unit, created)
            await unit.commit()
        await refresh(scratch_pool)
    writes = {"complaint": created, "referral": first, "second referral": second}
    try:
        async with contextlib.AsyncExitStack() as stack:
            # Each writer's transaction is open (and has written) before any commits.
            units = {}
            for name in dict.fromkeys(o for o in order if o != "refresh"):
                units[name] = await stack.enter_async_context(
                    MonitoringUnitOfWork(scratch_pool, TopicLayout())
                )
                await apply(units[name], writes[name])
            for step in order:
                if step == "refresh":
                    await refresh(scratch_pool)
                else:
                    await units[step].commit()
        async with MonitoringUnitOfWork(scratch_pool, TopicLayout()) as check:
            rows = await stored(check.conn)
            assert rows == await rebuilt_in(check.conn)
            [(complaints, referrals)] = rows.values()
            assert len(complaints) == 1
            assert len(referrals) == (2 if "second referral" in order else 1)
            assert await served_in(check) == rows
    finally:
        async with scratch_pool.acquire() as conn:
            await conn.execute(
                "TRUNCATE complaint_facts, referral_facts, village_months, village_month_stale"
            )


async def test_served_and_stored_village_months_equal_a_rebuild_after_random_facts(
    uow: MonitoringUnitOfWork,
) -> None:
    rng = random.Random(16)
    villages = [VILLAGE, OTHER, "32.15.01.1001"]
    # Cases across villages and months (some at a month's edge), each event possibly twice.
    cases = [
        case_events(
            rng.choice(villages),
            NOW - timedelta(days=rng.choice([0, 1, 19, 20, 21, 35, 50]), hours=rng.randrange(24)),
            rejected=rng.random() < 0.5,
        )
        for _ in range(14)
    ]
    pending = [list(events) for events in cases]
    while any(pending):
        events = rng.choice([p for p in pending if p])
        event = events.pop(rng.randrange(len(events)))
        await apply(uow, event)
        if rng.random() < 0.2:
            await apply(uow, event)
        if rng.random() < 0.15:
            await uow.refresh_village_months()
        if rng.random() < 0.2:
            # What a reader is served equals the facts at any moment, refreshed or not.
            assert await served_in(uow) == await rebuilt_in(uow.conn)
    assert await served_in(uow) == await rebuilt_in(uow.conn)
    await uow.refresh_village_months()
    assert await stored(uow.conn) == await rebuilt_in(uow.conn)
    # Everything noted was recomputed: nothing is left to the next cycle.
    assert await uow.refresh_village_months() == set()
