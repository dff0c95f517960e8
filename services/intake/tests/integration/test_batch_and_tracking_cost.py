"""What an offline batch and a projected event cost Postgres, and that they keep their results.

Statements are counted as the service's own pool sends them (asyncpg's query logger on each of
its connections, `observed`), only those sent for the request or event under count: the
relay and the jobs run in tasks of their own and are not counted.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest

from intake.adapters.repository import IntakeUnitOfWork
from intake.app import build
from intake.domain import tickets
from intake.domain.errors import message
from intake.service_layer import tracking
from intake.settings import IntakeSettings
from slrt_devstack import fixtures
from slrt_devstack.testing import counting_statements, eventually
from slrt_shared.contracts import topics
from slrt_shared.contracts.envelope import CloudEvent, new_event
from slrt_shared.contracts.events import (
    CaseResolved,
    ComplaintClosed,
    EventData,
    ReferralEscalated,
    ReferralOutcome,
    ReferralUpdated,
)
from slrt_shared.contracts.topics import TopicLayout
from slrt_shared.runtime import ServiceRuntime
from slrt_shared.tokens import new_token

from .conftest import REGENCY, VILLAGE, dispatch_of

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]

# What the shared consumer and unit of work send around a use case's own statements.
_FRAMEWORK = ("BEGIN", "COMMIT", "ROLLBACK")
# What asyncpg runs itself the first time a connection meets a type: once per connection.
_INTROSPECTION = (
    "WITH RECURSIVE typeinfo_tree",
    "SELECT current_setting('jit')",
    "SELECT set_config",
)


# What the replica's cache reads again when it has not heard Postgres for a while (a loaded
# machine): once per request at most, whatever the items.
_CACHE_LOADS = ("SELECT token_hash, kind, village_code", "SELECT 'v' AS kind")


def sent(statements: list[str]) -> list[str]:
    """The statements sent for the request or event: not asyncpg's own on a new connection,
    nor the cache's reloads."""
    return [s for s in statements if not s.startswith((*_INTROSPECTION, *_CACHE_LOADS))]


@dataclass(frozen=True)
class Running:
    """A running intake whose pool logs its statements, and an operator of VILLAGE."""

    http: httpx.AsyncClient
    runtime: ServiceRuntime
    layout: TopicLayout
    dsn: str
    operator: dict[str, str]


@contextlib.asynccontextmanager
async def running(test_env: Any, folder: Path, tag: str) -> AsyncIterator[Running]:
    """Seed and run intake on a stack of its own (call within `observed`)."""
    credentials = {
        "operators": {VILLAGE: new_token("op_")},
        "district": {REGENCY: new_token("ds_")},
    }
    async with test_env.beside(tag) as stack:
        dsn = stack.dsn("intake")
        await fixtures.seed_by_command("intake", dsn, credentials, REGENCY, folder)
        settings = IntakeSettings(**stack.settings("intake"), reference_cache_seconds=3600)
        runtime, app = build(settings)
        async with fixtures.running_service(runtime, app, "intake") as http:
            cache = app.state.reference_cache
            await eventually(lambda: _true(cache.listening))
            operator = {"Authorization": f"Bearer {credentials['operators'][VILLAGE]}"}
            yield Running(http, runtime, stack.layout, dsn, operator)


async def _true(value: object) -> bool:
    return bool(value)


async def settled() -> None:
    """Let the query logger report (it runs on the next turns of the loop)."""
    for _ in range(3):
        await asyncio.sleep(0)


def item(client_id: str, nik: str = "3215024107800001", **changes: Any) -> dict[str, Any]:
    """A complaint recorded offline by a device."""
    return {
        "client_id": client_id,
        "village_code": VILLAGE,
        "needs": ["JKN-PBI"],
        "description": f"PBI tidak aktif ({uuid.uuid4().hex}).",
        "recorded_at": "2025-06-20T08:00:00+07:00",
        "resident": {"nik": nik, "name": "Siti Aminah", "phone": "081234567890"},
        **changes,
    }


async def sync(
    app: Running, items: list[dict[str, Any]], language: str = "id"
) -> list[dict[str, Any]]:
    """POST /v1/complaints/batch; the per-item results."""
    headers = {**app.operator, "Accept-Language": language}
    response = await app.http.post(
        "/v1/complaints/batch", json={"complaints": items}, headers=headers
    )
    await settled()
    assert response.status_code == 200, response.text
    return response.json()["results"]  # type: ignore[no-any-return]


def distinct_nik(n: int) -> str:
    """A NIK of Karawang (32.15.02) no other item of a batch shares."""
    return f"32150241078{n + 1:05d}"


async def test_a_batch_costs_the_same_round_trips_for_one_ten_or_fifty_items(  # type: ignore[no-untyped-def]
    test_env, observed, tmp_path: Path
) -> None:
    async with running(test_env, tmp_path, "bc") as app:
        await sync(app, [item(uuid.uuid4().hex)])  # prepares the statements
        created: dict[int, list[str]] = {}
        replayed: dict[int, list[str]] = {}
        for size in (1, 10, 50):
            items = [item(uuid.uuid4().hex, distinct_nik(n)) for n in range(size)]
            with counting_statements() as created[size]:
                first = await sync(app, items)
            with counting_statements() as replayed[size]:
                again = await sync(app, items)
            assert [r["result"] for r in first] == ["created"] * size
            assert [r["result"] for r in again] == ["existing"] * size
            assert [r["complaint_id"] for r in again] == [r["complaint_id"] for r in first]
        # The rate limit's count, BEGIN, one statement for the keys, complaints, residents and
        # timeline entries of every item, the outbox for all their events, COMMIT.
        assert [len(sent(created[n])) for n in (1, 10, 50)] == [5, 5, 5], {
            n: [s[:70] for s in created[n]] for n in created
        }
        # A resend: the count, BEGIN, the statement finding every key taken, one read of what
        # the keys saved, COMMIT.
        assert [len(sent(replayed[n])) for n in (1, 10, 50)] == [5, 5, 5], {
            n: [s[:70] for s in replayed[n]] for n in replayed
        }
        conn = await asyncpg.connect(app.dsn)
        try:
            saved = await conn.fetchval("SELECT count(*) FROM complaints")
        finally:
            await conn.close()
        assert saved == 1 + 1 + 10 + 50


async def test_a_batchs_items_keep_their_results_rejections_repeats_and_duplicates(  # type: ignore[no-untyped-def]
    test_env, observed, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with running(test_env, tmp_path, "br") as app:
        [earlier] = await sync(app, [item("tab:0", distinct_nik(1))])
        taken = earlier["ticket"]
        # The first ticket drawn for the batch is taken: that item is saved under another.
        drawn = iter([taken])
        real = tickets.new_ticket
        monkeypatch.setattr(tickets, "new_ticket", lambda: next(drawn, None) or real())
        twice = item("tab:1", distinct_nik(2))
        items = [
            twice,
            item("tab:2", distinct_nik(2), needs=["JKN-PBI", "PKH"]),  # the same resident
            item("tab:3", needs=["PIZZA"]),
            {"client_id": "tab:4", "village_code": VILLAGE},
            twice,
            {**twice, "needs": ["ADMINDUK"]},
            item("tab:0", distinct_nik(1)),  # sent before with another description
            {**item("tab:5"), "village_code": "32.15.02.2002"},
            item("tab:6", distinct_nik(1)),  # the same resident as tab:0, sent before
        ]
        for language in ("id", "en"):
            results = await sync(app, items, language)
            outcomes = [(r["client_id"], r["result"]) for r in results]
            if language == "id":
                assert outcomes == [
                    ("tab:1", "created"),
                    ("tab:2", "created"),
                    ("tab:3", "rejected"),
                    ("tab:4", "rejected"),
                    ("tab:1", "existing"),
                    ("tab:1", "rejected"),
                    ("tab:0", "rejected"),
                    ("tab:5", "rejected"),
                    ("tab:6", "created"),
                ]
                created = results
            else:
                assert [r for _, r in outcomes] == [
                    "existing",
                    "existing",
                    "rejected",
                    "rejected",
                    "existing",
                    "rejected",
                    "rejected",
                    "rejected",
                    "existing",
                ]
                assert [r["complaint_id"] for r in results] == [r["complaint_id"] for r in created]
            codes = [[e["code"] for e in r["errors"]] for r in results]
            assert codes[2] == ["unknown_service"]
            assert set(codes[3]) == {"field_required"}
            assert codes[5] == codes[6] == ["idempotency_key_reused"]
            assert codes[7] == ["wrong_village"]
            texts = {e["code"]: e["message"] for r in results for e in r["errors"]}
            for code in ("unknown_service", "idempotency_key_reused", "wrong_village"):
                assert texts[code] == message(code, language)
        first, second, repeat = created[0], created[1], created[4]
        assert first["ticket"] != taken and repeat["ticket"] == first["ticket"]
        # Linked, not refused: an earlier item of the batch, or a complaint sent before.
        assert second["possible_duplicate_of"] == [first["complaint_id"]]
        assert first["possible_duplicate_of"] == []
        assert created[8]["possible_duplicate_of"] == [earlier["complaint_id"]]
        conn = await asyncpg.connect(app.dsn)
        try:
            keys = await conn.fetch(
                "SELECT key, response ->> 'complaint_id' AS complaint_id FROM idempotency_keys"
                " ORDER BY key"
            )
            stored = await conn.fetch(
                "SELECT c.id::text, c.status, c.possible_duplicate_of::text[] AS dup, r.nik,"
                " (SELECT array_agg(kind) FROM timeline t WHERE t.complaint_id = c.id) AS kinds"
                " FROM complaints c JOIN residents r ON r.complaint_id = c.id"
            )
        finally:
            await conn.close()
        assert [(k["key"], k["complaint_id"]) for k in keys] == [
            ("tab:0", earlier["complaint_id"]),
            ("tab:1", first["complaint_id"]),
            ("tab:2", second["complaint_id"]),
            ("tab:6", created[8]["complaint_id"]),
        ]
        by_id = {r["id"]: r for r in stored}
        assert len(by_id) == 4
        assert by_id[second["complaint_id"]]["dup"] == [first["complaint_id"]]
        assert {tuple(r["kinds"]) for r in stored} == {("received",)}
        assert {r["status"] for r in stored} == {"received"}


async def test_a_batch_resent_while_it_is_saved_in_another_order_creates_each_item_once(  # type: ignore[no-untyped-def]
    test_env, tmp_path: Path
) -> None:
    async with running(test_env, tmp_path, "bo") as app:
        items = [item(uuid.uuid4().hex, distinct_nik(n)) for n in range(30)]
        # The same items, both ways round, at once: each key gates its item in one of them.
        forwards, backwards = await asyncio.gather(sync(app, items), sync(app, items[::-1]))
        backwards = backwards[::-1]
        for one, other in zip(forwards, backwards, strict=True):
            assert one["complaint_id"] == other["complaint_id"]
            assert sorted((one["result"], other["result"])) == ["created", "existing"]
        conn = await asyncpg.connect(app.dsn)
        try:
            saved = await conn.fetchval("SELECT count(*) FROM complaints")
        finally:
            await conn.close()
        assert saved == len(items)


# --- the tracker's projection -------------------------------------------------------------


async def handled(
    app: Running, topic: str, data: EventData, event: CloudEvent | None = None
) -> None:
    """Hand an event to intake's consumer of its topic (inbox and all)."""
    event = event or new_event(data, source="/slrt/test", subject=data.complaint_id)  # type: ignore[attr-defined]
    await app.runtime.handlers[topic](event)
    await settled()


def own(statements: list[str]) -> list[str]:
    """The statements of the use case itself: not the transaction's, the inbox's or outbox's."""
    return [
        s
        for s in sent(statements)
        if not s.startswith(_FRAMEWORK) and "inbox" not in s and "outbox" not in s
    ]


async def registered(app: Running) -> tuple[uuid.UUID, str]:
    """A new complaint of VILLAGE: its id and ticket."""
    [result] = await sync(app, [item(uuid.uuid4().hex, distinct_nik(uuid.uuid4().int % 80_000))])
    return uuid.UUID(result["complaint_id"]), result["ticket"]


async def state(app: Running, complaint_id: uuid.UUID) -> tuple[str, Any, list[tuple[Any, ...]]]:
    """A complaint's status, closed_at and timeline (kind, agency, detail) in time order."""
    conn = await asyncpg.connect(app.dsn)
    try:
        row = await conn.fetchrow(
            "SELECT status, closed_at FROM complaints WHERE id = $1", complaint_id
        )
        entries = await conn.fetch(
            "SELECT kind, agency_code, detail, at FROM timeline WHERE complaint_id = $1"
            " ORDER BY at, id",
            complaint_id,
        )
    finally:
        await conn.close()
    assert row is not None
    # when it was received and its referral's id are each complaint's own
    steps = [
        (e[0], e[1], _without_referral(e[2]), None if e[0] == "received" else e[3]) for e in entries
    ]
    return row["status"], row["closed_at"], steps


def _without_referral(detail: str) -> str:
    kept = {k: v for k, v in json.loads(detail).items() if k != "referral_id"}
    return json.dumps(kept, sort_keys=True)


def journey(complaint_id: uuid.UUID, ticket: str, start: datetime) -> list[tuple[str, EventData]]:
    """A referral's events from dispatch to the complaint's closing, in the order they happen."""
    referral = uuid.uuid4()

    def update(status: str, minutes: int) -> ReferralUpdated:
        return ReferralUpdated(
            referral_id=referral,
            complaint_id=complaint_id,
            agency_code="BPJSKES",
            status=status,  # type: ignore[arg-type]
            at=start + timedelta(minutes=minutes),
        )

    return [
        (topics.REFERRAL_DISPATCHED, dispatch_of(referral, complaint_id, ticket, start)),
        (topics.REFERRAL_UPDATED, update("acknowledged", 1)),
        (
            topics.REFERRAL_ESCALATED,
            ReferralEscalated(
                referral_id=referral,
                complaint_id=complaint_id,
                level="kecamatan",
                at=start + timedelta(minutes=2),
            ),
        ),
        (topics.REFERRAL_UPDATED, update("in_progress", 3)),
        (
            topics.CASE_RESOLVED,
            CaseResolved(
                referral_id=referral,
                complaint_id=complaint_id,
                agency_code="BPJSKES",
                outcome="resolved",
                resolved_at=start + timedelta(minutes=4),
            ),
        ),
        (
            topics.COMPLAINT_CLOSED,
            ComplaintClosed(
                complaint_id=complaint_id,
                ticket=ticket,
                village_code=VILLAGE,
                closed_at=start + timedelta(minutes=5),
                outcomes=[
                    ReferralOutcome(
                        referral_id=referral,
                        service_code="JKN-PBI",
                        agency_code="BPJSKES",
                        outcome="resolved",
                    )
                ],
            ),
        ),
    ]


async def test_each_projected_event_is_one_statement_of_intakes_own(  # type: ignore[no-untyped-def]
    test_env, observed, tmp_path: Path
) -> None:
    async with running(test_env, tmp_path, "tc") as app:
        warm_id, warm_ticket = await registered(app)
        for topic, data in journey(warm_id, warm_ticket, datetime.now(UTC)):
            await handled(app, topic, data)  # prepares the statements
        complaint_id, ticket = await registered(app)
        counted: dict[str, list[str]] = {}
        for topic, data in journey(complaint_id, ticket, datetime.now(UTC)):
            name = f"{topic}:{getattr(data, 'status', '')}"
            with counting_statements() as counted[name]:
                await handled(app, topic, data)
        # The entry added once per event and the status moved on with it, in one statement
        # (besides BEGIN, the inbox's claim and COMMIT).
        assert {name: len(own(s)) for name, s in counted.items()} == {
            name: 1 for name in counted
        }, {name: [s[:70] for s in own(c)] for name, c in counted.items()}
        status, closed_at, entries = await state(app, complaint_id)
        assert status == "closed" and closed_at is not None
        assert [e[0] for e in entries] == [
            "received",
            "referred",
            "acknowledged",
            "escalated",
            "in_progress",
            "resolved",
            "closed",
        ]


async def test_events_out_of_order_redelivered_or_in_one_transaction_leave_the_same_state(  # type: ignore[no-untyped-def]
    test_env, tmp_path: Path
) -> None:
    async with running(test_env, tmp_path, "to") as app:
        start = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=1)
        # In order, one transaction per event: what every other way must leave.
        expected_id, expected_ticket = await registered(app)
        for topic, data in journey(expected_id, expected_ticket, start):
            await handled(app, topic, data)
        expected = await state(app, expected_id)
        assert expected[0] == "closed"

        # Backwards, each delivered twice (the second time past the inbox, as after a lost
        # inbox row): a late event never moves the status back, an entry is kept once.
        backwards_id, backwards_ticket = await registered(app)
        async with fixtures.pool(app.dsn, "intake") as pool:
            for topic, data in reversed(journey(backwards_id, backwards_ticket, start)):
                event = new_event(data, source="/slrt/test", subject=backwards_id)
                await handled(app, topic, data, event)
                async with IntakeUnitOfWork(pool, app.layout) as uow:
                    await _use_case(topic)(uow, data, event)
                    await uow.commit()
                await handled(app, topic, data, event)

            # All of a complaint's events in one transaction, with another complaint's between.
            together_id, together_ticket = await registered(app)
            other_id, other_ticket = await registered(app)
            mixed = [
                pair
                for pairs in itertools.zip_longest(
                    journey(together_id, together_ticket, start),
                    journey(other_id, other_ticket, start)[:2],
                )
                for pair in pairs
                if pair is not None
            ]
            async with IntakeUnitOfWork(pool, app.layout) as uow:
                for topic, data in mixed:
                    event = new_event(data, source="/slrt/test", subject=data.complaint_id)  # type: ignore[attr-defined]
                    assert await uow.claim(event.id, data.topic)
                    await _use_case(topic)(uow, data, event)
                await uow.commit()

        for complaint_id in (backwards_id, together_id):
            assert await state(app, complaint_id) == expected
        other = await state(app, other_id)
        assert other[0] == "in_progress" and [e[0] for e in other[2]] == [
            "received",
            "referred",
            "acknowledged",
        ]

        # Rejected and passed on: the status stays referred until an agency takes it up.
        passed_id, passed_ticket = await registered(app)
        referral = uuid.uuid4()
        rejected = ReferralUpdated(
            referral_id=referral,
            complaint_id=passed_id,
            agency_code="BPJSKES",
            status="rejected",
            at=start + timedelta(minutes=1),
        )
        await handled(app, topics.REFERRAL_UPDATED, rejected)
        assert (await state(app, passed_id))[0] == "received"
        await handled(
            app, topics.REFERRAL_DISPATCHED, dispatch_of(referral, passed_id, passed_ticket, start)
        )
        await handled(app, topics.REFERRAL_UPDATED, rejected)
        assert (await state(app, passed_id))[0] == "referred"


def _use_case(topic: str) -> Any:
    return {
        topics.REFERRAL_DISPATCHED: tracking.on_dispatched,
        topics.REFERRAL_UPDATED: tracking.on_updated,
        topics.REFERRAL_ESCALATED: tracking.on_escalated,
        topics.CASE_RESOLVED: tracking.on_resolved,
        topics.COMPLAINT_CLOSED: tracking.on_closed,
    }[topic]
