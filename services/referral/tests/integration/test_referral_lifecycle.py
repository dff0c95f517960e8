"""Routing, rule versions, escalation, rejection, closing: the use cases on a real Postgres."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from uuid import UUID, uuid4

import pytest

from referral.adapters.repository import ReferralUnitOfWork
from referral.domain.sla import JAKARTA
from referral.entrypoints import cli_seed as seed
from referral.entrypoints import kafka
from referral.service_layer.context import Context
from referral.service_layer.escalation import EscalateOverdue, escalate_overdue
from slrt_shared import reference
from slrt_shared.contracts.envelope import InvalidEventError
from slrt_shared.contracts.events import CaseResolved, ReferralUpdated
from slrt_shared.contracts.topics import TopicLayout
from slrt_shared.tokens import hash_token

from .conftest import CALENDAR, MONDAY, created, referrals, run, updated

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


async def outbox(pool, topic: str, complaint_id: UUID | None = None) -> list[dict]:  # type: ignore[no-untyped-def]
    rows = await pool.fetch("SELECT value FROM outbox WHERE topic = $1 ORDER BY id", topic)
    events = [json.loads(bytes(r["value"])) for r in rows]
    return [e for e in events if complaint_id is None or e["subject"] == str(complaint_id)]


async def test_each_need_is_routed_and_a_kecamatan_override_wins(referral_pool) -> None:
    context = Context(CALENDAR, Clock(MONDAY))
    async with ReferralUnitOfWork(referral_pool, TopicLayout()) as uow:
        await uow.save_rule("JKN-PBI", "32.15.02", ["BPJSKES", "DINSOS"], 3, "admin")
        await uow.commit()
    overridden = await created(referral_pool, context, "32.15.02.2001", ["JKN-PBI", "ADMINDUK"])
    ordinary = await created(referral_pool, context, "32.15.03.2001", ["JKN-PBI"])

    first = {r["service_code"]: r for r in await referrals(referral_pool, overridden)}
    assert first["JKN-PBI"]["agency_code"] == "BPJSKES"
    assert (first["JKN-PBI"]["rule_scope"], first["JKN-PBI"]["rule_version"]) == ("32.15.02", 1)
    assert first["JKN-PBI"]["due_at"] == datetime(2025, 6, 26, 23, 59, 59, tzinfo=JAKARTA)
    assert first["ADMINDUK"]["agency_code"] == "DISDUKCAPIL"
    [plain] = await referrals(referral_pool, ordinary)
    assert (plain["agency_code"], plain["rule_scope"]) == ("DINSOS", "")
    assert len(await outbox(referral_pool, "referral.dispatched", overridden)) == 2


async def test_every_rule_change_is_a_new_version_that_referrals_record(referral_pool) -> None:
    context = Context(CALENDAR, Clock(MONDAY))
    async with ReferralUnitOfWork(referral_pool, TopicLayout()) as uow:
        v2 = await uow.save_rule("RTLH", "", ["DISPERKIM", "DINSOS"], 20, "admin")
        v3 = await uow.save_rule("RTLH", "", ["DISPERKIM"], 25, "admin")
        history = await uow.rule_history("RTLH")
        await uow.commit()
    assert (v2, v3) == (2, 3)
    assert [h["version"] for h in history] == [3, 2, 1]
    complaint_id = await created(referral_pool, context, "32.15.05.2001", ["RTLH"])
    [referral] = await referrals(referral_pool, complaint_id)
    assert (referral["rule_version"], referral["sla_working_days"]) == (3, 25)


async def test_overdue_referrals_escalate_once_each_with_two_schedulers(referral_pool) -> None:
    clock = Clock(MONDAY)
    context = Context(CALENDAR, clock)
    ids = [await created(referral_pool, context, "32.15.04.2001", ["KESEHATAN"]) for _ in range(30)]
    resolved_one = (await referrals(referral_pool, ids[0]))[0]
    await run(
        referral_pool,
        kafka.on_case_resolved(context),
        CaseResolved(
            referral_id=resolved_one["id"],
            complaint_id=ids[0],
            agency_code="DINKES",
            outcome="resolved",
            note=None,
            resolved_at=MONDAY,
        ),
        ids[0],
    )
    replicas = [Context(CALENDAR, clock), Context(CALENDAR, clock)]

    async def sweep() -> int:
        async def one(replica: Context) -> int:
            async with ReferralUnitOfWork(referral_pool, TopicLayout()) as uow:
                count = await escalate_overdue(EscalateOverdue(7), uow, context=replica)
                await uow.commit()
                return count

        total = 0
        while True:
            counts = await asyncio.gather(*(one(r) for r in replicas))
            total += sum(counts)
            if not any(counts):
                return total

    # KESEHATAN has 3 working days: due Thursday 26 June, 23:59:59 in Jakarta.
    clock.now = datetime(2025, 6, 26, 23, 59, tzinfo=JAKARTA)
    assert await sweep() == 0
    clock.now = datetime(2025, 6, 27, 8, 0, tzinfo=JAKARTA)
    assert await sweep() == 29
    assert await sweep() == 0
    # One more SLA period from the breach for the kecamatan (due Tuesday 1 July), then the
    # kabupaten.
    clock.now = datetime(2025, 7, 1, 23, 0, tzinfo=JAKARTA)
    assert await sweep() == 0
    clock.now = datetime(2025, 7, 2, 0, 1, tzinfo=JAKARTA)
    assert await sweep() == 29
    clock.now = datetime(2025, 9, 1, tzinfo=JAKARTA)
    assert await sweep() == 0

    mine = {str(i) for i in ids}
    events = [e for e in await outbox(referral_pool, "referral.escalated") if e["subject"] in mine]
    levels = sorted(e["data"]["level"] for e in events)
    assert levels == ["kabupaten"] * 29 + ["kecamatan"] * 29
    per_referral = {(e["data"]["referral_id"], e["data"]["level"]) for e in events}
    assert len(per_referral) == len(events)  # never the same escalation twice


async def test_rejections_walk_the_routing_order_then_stay_with_the_secretariat(
    referral_pool,
) -> None:
    context = Context(CALENDAR, Clock(MONDAY))
    complaint_id = await created(referral_pool, context, "32.15.06.2001", ["PIP"])
    expected = [("DISDIK", 0), ("KEMENAG", 1), ("SLRT", 2), ("SLRT", 3)]
    for step in range(len(expected) - 1):
        current = (await referrals(referral_pool, complaint_id))[-1]
        await updated(
            referral_pool, context, current, status="rejected", note=f"bukan wewenang ({step})"
        )
    chain = [(r["agency_code"], r["bounces"]) for r in await referrals(referral_pool, complaint_id)]
    assert chain == expected


async def test_the_case_closes_once_with_every_outcome_and_late_events_are_refused(
    referral_pool,
) -> None:
    context = Context(CALENDAR, Clock(MONDAY))
    complaint_id = await created(referral_pool, context, "32.15.07.2001", ["LANSIA", "ADMINDUK"])
    by_need = {r["service_code"]: r for r in await referrals(referral_pool, complaint_id)}
    lansia, adminduk = by_need["LANSIA"], by_need["ADMINDUK"]
    resolve = [
        CaseResolved(
            referral_id=lansia["id"],
            complaint_id=complaint_id,
            agency_code="DINSOS",
            outcome="unresolvable",
            note="Keluarga menolak",
            resolved_at=MONDAY,
        ),
        CaseResolved(
            referral_id=adminduk["id"],
            complaint_id=complaint_id,
            agency_code="DISDUKCAPIL",
            outcome="resolved",
            note=None,
            resolved_at=MONDAY,
        ),
    ]
    await run(referral_pool, kafka.on_case_resolved(context), resolve[0], complaint_id)
    assert await outbox(referral_pool, "complaint.closed", complaint_id) == []
    await run(referral_pool, kafka.on_case_resolved(context), resolve[1], complaint_id)
    # The same outcome reported again, and an acknowledgement arriving after the outcome.
    await run(referral_pool, kafka.on_case_resolved(context), resolve[1], complaint_id)
    await run(
        referral_pool,
        kafka.on_referral_updated(context),
        ReferralUpdated(
            referral_id=adminduk["id"],
            complaint_id=complaint_id,
            agency_code="DISDUKCAPIL",
            status="acknowledged",
            note=None,
            at=MONDAY,
        ),
        complaint_id,
    )

    [closed] = await outbox(referral_pool, "complaint.closed", complaint_id)
    outcomes = {o["service_code"]: o["outcome"] for o in closed["data"]["outcomes"]}
    assert outcomes == {"LANSIA": "unresolvable", "ADMINDUK": "resolved"}
    refused = await referral_pool.fetch(
        "SELECT from_status, to_status FROM transition_log WHERE referral_id = $1"
        " AND NOT accepted ORDER BY id",
        adminduk["id"],
    )
    assert [(r["from_status"], r["to_status"]) for r in refused] == [
        ("resolved", "resolved"),
        ("resolved", "acknowledged"),
    ]


async def test_an_event_for_an_unknown_referral_is_a_dead_letter_not_a_crash(
    referral_pool,
) -> None:
    context = Context(CALENDAR, Clock(MONDAY))
    complaint_id = uuid4()
    with pytest.raises(InvalidEventError):
        await run(
            referral_pool,
            kafka.on_case_resolved(context),
            CaseResolved(
                referral_id=uuid4(),
                complaint_id=complaint_id,
                agency_code="DINSOS",
                outcome="resolved",
                note=None,
                resolved_at=datetime.now(UTC),
            ),
            complaint_id,
        )
    assert (
        await referral_pool.fetchval(
            "SELECT count(*) FROM cases WHERE complaint_id = $1", complaint_id
        )
        == 0
    )


async def test_outcomes_of_two_needs_committed_side_by_side_close_the_case_once(
    referral_pool,
) -> None:
    context = Context(CALENDAR, Clock(MONDAY))
    resolve = kafka.on_case_resolved(context)
    for _ in range(5):
        complaint_id = await created(
            referral_pool, context, "32.15.08.2001", ["LANSIA", "ADMINDUK"]
        )
        outcomes = [
            CaseResolved(
                referral_id=r["id"],
                complaint_id=complaint_id,
                agency_code=r["agency_code"],
                outcome="resolved",
                resolved_at=MONDAY,
            )
            for r in await referrals(referral_pool, complaint_id)
        ]
        await asyncio.gather(*(run(referral_pool, resolve, o, complaint_id) for o in outcomes))
        assert len(await outbox(referral_pool, "complaint.closed", complaint_id)) == 1
        status = await referral_pool.fetchval(
            "SELECT status FROM cases WHERE complaint_id = $1", complaint_id
        )
        assert status == "closed"


async def test_seeding_keeps_changed_rules_and_replaces_rotated_tokens(referral_pool) -> None:
    async with ReferralUnitOfWork(referral_pool, TopicLayout()) as uow:
        await uow.save_rule("KERJA", "", ["DISNAKERTRANS", "DINSOS"], 20, "admin")
        await uow.commit()

    async def seed_with(credentials: dict) -> list[tuple[str, str | None]]:  # type: ignore[type-arg]
        async with referral_pool.acquire() as conn, conn.transaction():
            await seed.load(conn, credentials, "32.15")
        rows = await referral_pool.fetch(
            "SELECT token_hash, kind, regency_code FROM staff_tokens ORDER BY kind"
        )
        return [(r["kind"], r["regency_code"]) for r in rows if r["token_hash"] in hashes]

    first = {"district": {"32.15": "dst_one", "32.16": "dst_other"}, "admin": "adm_one"}
    second = {"district": {"32.15": "dst_two"}, "admin": "adm_two"}
    hashes = {hash_token(t) for t in ["dst_one", "dst_other", "adm_one", "dst_two", "adm_two"]}
    assert sorted(await seed_with(first)) == [
        ("admin", None),
        ("district", "32.15"),
        ("district", "32.16"),
    ]
    assert sorted(await seed_with(second)) == [
        ("admin", None),
        ("district", "32.15"),
        ("district", "32.16"),  # a regency the new file does not name keeps its token
    ]
    kept = await referral_pool.fetch("SELECT token_hash FROM staff_tokens")
    assert {hash_token("dst_two"), hash_token("adm_two"), hash_token("dst_other")} <= {
        r["token_hash"] for r in kept
    }
    assert not {hash_token("dst_one"), hash_token("adm_one")} & {r["token_hash"] for r in kept}

    rule = await referral_pool.fetchrow(
        "SELECT agencies, sla_working_days, version FROM routing_rules"
        " WHERE service_code = 'KERJA' AND scope = ''"
    )
    assert (rule["agencies"], rule["sla_working_days"]) == (["DISNAKERTRANS", "DINSOS"], 20)
    assert await referral_pool.fetchval(
        "SELECT count(*) FROM routing_rules WHERE scope = ''"
    ) == len(reference.services())
