"""A partition's records in one transaction, and one record at a time again on any error.

On the real broker and the real Postgres: the commits are counted from the statements the
pool sends, the failures are Postgres's own errors or a use case's refusal.
"""

from __future__ import annotations

import json
import secrets
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any
from uuid import uuid4

import asyncpg
import pytest
import pytest_asyncio
from aiokafka import AIOKafkaProducer
from faststream.kafka import KafkaBroker

from slrt_devstack.testing import counting_statements, eventually, read_records
from slrt_shared import db
from slrt_shared.consumer import InboxHandler, subscribe, with_inbox
from slrt_shared.contracts import topics
from slrt_shared.contracts.envelope import CloudEvent, InvalidEventError
from slrt_shared.contracts.events import ReferralEscalated
from slrt_shared.contracts.topics import TopicLayout
from slrt_shared.unit_of_work import PgUnitOfWork

from .conftest import committed_to_end, escalation, own_topics

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]

TOPIC = topics.REFERRAL_ESCALATED
SCHEMA = "referral"  # the scratch database's schema


async def produce(
    bootstrap: str, topic: str, values: list[bytes], traces: list[str] | None = None
) -> None:
    """Write records to partition 0, in order, before any consumer reads them."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    try:
        for n, value in enumerate(values):
            headers = [("traceparent", traces[n].encode())] if traces else None
            await producer.send(topic, value=value, key=b"k", partition=0, headers=headers)
        await producer.flush()
    finally:
        await producer.stop()


@dataclass
class Log:
    """A use case that logs each event it commits and announces one event for each.

    It fails as told: `poison` ids are refused as invalid, `failing[id]` more times it raises
    Postgres's own division-by-zero error (a transient failure).
    """

    pool: asyncpg.Pool
    layout: TopicLayout
    poison: set[Any] = field(default_factory=set)
    failing: Counter[Any] = field(default_factory=Counter)
    calls: Counter[Any] = field(default_factory=Counter)

    def uow(self) -> PgUnitOfWork:
        """A unit of work on the test's pool."""
        return PgUnitOfWork(self.pool, self.layout)

    def handler(self, *, batchable: bool = True) -> InboxHandler[PgUnitOfWork, ReferralEscalated]:
        async def use_case(uow: PgUnitOfWork, data: ReferralEscalated, event: CloudEvent) -> None:
            self.calls[event.id] += 1
            await uow.conn.execute("INSERT INTO handled (event_id) VALUES ($1)", str(event.id))
            if event.id in self.poison:
                raise InvalidEventError("no such referral")
            if self.failing[event.id] > 0:
                self.failing[event.id] -= 1
                await uow.conn.execute("SELECT 1 / 0")
            uow.emit(topics.REFERRAL_UPDATED, escalation())

        return with_inbox(self.uow, ReferralEscalated, use_case, batchable=batchable)

    async def handled(self) -> list[str]:
        """Event ids in the order their transactions committed (a repeat would show twice)."""
        rows = await self.pool.fetch("SELECT event_id FROM handled ORDER BY seq")
        return [r["event_id"] for r in rows]


@pytest_asyncio.fixture(loop_scope="session")
async def log(test_env: Any, scratch: Any, observed: None) -> AsyncIterator[Log]:
    """The log table, and a pool opened now so that its statements are counted."""
    await scratch.pool.execute(
        "CREATE TABLE handled (seq bigserial PRIMARY KEY, event_id text NOT NULL)"
    )
    pool = await db.create_pool(scratch.dsn, SCHEMA)
    try:
        yield Log(pool, await own_topics(test_env, "batch"))
    finally:
        await pool.close()


async def consume(
    test_env: Any, log: Log, group: str, done: Any, *, batchable: bool = True, **knobs: Any
) -> None:
    """Run a consumer of the test topic until `done()` and its offsets are committed."""
    broker = KafkaBroker(test_env.kafka_bootstrap_servers)
    subscription = subscribe(
        broker,
        layout=log.layout,
        handlers={TOPIC: log.handler(batchable=batchable)},
        group_id=group,
        backoff_initial=0.05,
        backoff_max=0.2,
        **knobs,
    )
    await broker.start()
    try:
        await eventually(done, within=60)
        await eventually(lambda: committed_to_end(test_env.kafka_bootstrap_servers, group))
    finally:
        await subscription.stop()
        await broker.stop()


def commits(statements: list[str]) -> int:
    """How many transactions the counted statements committed."""
    return sum(1 for s in statements if s.rstrip(";").upper() == "COMMIT")


def group_of(test_env: Any, name: str) -> str:
    """A consumer group of the test's own."""
    return f"{test_env.topic_prefix}{name}-{uuid4().hex[:6]}"


async def test_a_partitions_records_are_handled_in_one_transaction(test_env, log: Log) -> None:
    events = [escalation() for _ in range(30)]
    await produce(
        test_env.kafka_bootstrap_servers, log.layout.name(TOPIC), [e.to_bytes() for e in events]
    )

    async def all_handled() -> bool:
        return len(await log.handled()) >= len(events)

    with counting_statements() as statements:
        await consume(test_env, log, group_of(test_env, "one-tx"), all_handled)

    assert await log.handled() == [str(e.id) for e in events]  # each once, in offset order
    # one BEGIN, one inbox claim for the 30, the 30 use cases, one outbox insert, one COMMIT
    assert commits(statements) == 1, statements
    assert sum(1 for s in statements if "INSERT INTO inbox" in s) == 1, statements
    assert sum(1 for s in statements if "INSERT INTO outbox" in s) == 1, statements
    assert await log.pool.fetchval("SELECT count(*) FROM inbox") == len(events)
    assert await log.pool.fetchval("SELECT count(*) FROM outbox") == len(events)


async def test_batch_max_one_is_a_transaction_per_record(test_env, log: Log) -> None:
    events = [escalation() for _ in range(5)]
    await produce(
        test_env.kafka_bootstrap_servers, log.layout.name(TOPIC), [e.to_bytes() for e in events]
    )

    async def all_handled() -> bool:
        return len(await log.handled()) >= len(events)

    with counting_statements() as statements:
        await consume(test_env, log, group_of(test_env, "one-each"), all_handled, batch_max=1)

    assert await log.handled() == [str(e.id) for e in events]
    assert commits(statements) == len(events), statements


async def test_a_use_case_that_cannot_be_batched_runs_in_a_transaction_per_record(
    test_env, log: Log
) -> None:
    events = [escalation() for _ in range(5)]
    await produce(
        test_env.kafka_bootstrap_servers, log.layout.name(TOPIC), [e.to_bytes() for e in events]
    )

    async def all_handled() -> bool:
        return len(await log.handled()) >= len(events)

    with counting_statements() as statements:
        await consume(test_env, log, group_of(test_env, "alone"), all_handled, batchable=False)

    assert await log.handled() == [str(e.id) for e in events]
    assert commits(statements) == len(events), statements


async def test_a_poison_record_mid_batch_is_dead_lettered_once_and_the_others_handled_once(
    test_env, log: Log
) -> None:
    events = [escalation() for _ in range(10)]
    poison = events[4]
    log.poison.add(poison.id)
    values = [e.to_bytes() for e in events]
    values.insert(7, b"{not json")  # and one in the next batch that does not even decode
    await produce(test_env.kafka_bootstrap_servers, log.layout.name(TOPIC), values)
    group = group_of(test_env, "poison")
    good = [str(e.id) for e in events if e is not poison]

    async def all_handled() -> bool:
        return len(await log.handled()) >= len(good)

    await consume(test_env, log, group, all_handled, batch_max=6)

    # the batch was rolled back whole: only the records' own transactions remain, in order
    assert await log.handled() == good
    letters = [
        r.value
        for r in await read_records(test_env.kafka_bootstrap_servers, log.layout.dlq(TOPIC))
        if dict(r.headers).get("dlq-group") == group.encode()
    ]
    assert sorted(letters) == sorted([poison.to_bytes(), b"{not json"])  # one dead letter each
    assert log.calls[poison.id] == 2  # in the batch, then alone: poison is not tried again
    assert await log.pool.fetchval("SELECT count(*) FROM inbox") == len(good)
    assert await log.pool.fetchval("SELECT count(*) FROM outbox") == len(good)


async def test_a_transient_failure_mid_batch_is_retried_and_every_record_handled_once(
    test_env, log: Log
) -> None:
    events = [escalation() for _ in range(12)]
    flaky = events[5]
    # the batch fails, then the record alone; after the backoff it succeeds
    log.failing[flaky.id] = 2
    await produce(
        test_env.kafka_bootstrap_servers, log.layout.name(TOPIC), [e.to_bytes() for e in events]
    )
    group = group_of(test_env, "transient")

    async def all_handled() -> bool:
        return len(await log.handled()) >= len(events)

    await consume(test_env, log, group, all_handled)

    assert await log.handled() == [str(e.id) for e in events]  # once each, in offset order
    assert log.calls[flaky.id] == 3
    assert log.failing[flaky.id] == 0
    assert not [
        r
        for r in await read_records(test_env.kafka_bootstrap_servers, log.layout.dlq(TOPIC))
        if dict(r.headers).get("dlq-group") == group.encode()
    ]
    assert await log.pool.fetchval("SELECT count(*) FROM outbox") == len(events)


async def test_a_redelivered_batch_and_a_copy_within_it_change_nothing(test_env, log: Log) -> None:
    events = [escalation() for _ in range(15)]
    values = [e.to_bytes() for e in events]
    values.insert(9, events[3].to_bytes())  # a copy, as a relay that published twice leaves
    await produce(test_env.kafka_bootstrap_servers, log.layout.name(TOPIC), values)

    async def all_handled() -> bool:
        return len(await log.handled()) >= len(events)

    await consume(test_env, log, group_of(test_env, "first"), all_handled)
    assert await log.handled() == [str(e.id) for e in events]
    assert set(log.calls.values()) == {1}

    # A second group reads every record again: the inbox claims none of them.
    async def read_to_the_end() -> bool:
        return True

    with counting_statements() as statements:
        await consume(test_env, log, group_of(test_env, "again"), read_to_the_end)
    assert await log.handled() == [str(e.id) for e in events]
    assert set(log.calls.values()) == {1}
    # one claim statement for the 16 records, which claimed none
    assert sum(1 for s in statements if "INSERT INTO inbox" in s) == 1, statements
    assert await log.pool.fetchval("SELECT count(*) FROM outbox") == len(events)


async def test_each_event_a_batch_raises_carries_the_trace_of_its_own_record(
    test_env, log: Log
) -> None:
    events = [escalation() for _ in range(6)]
    trace_ids = [secrets.token_hex(16) for _ in events]
    traces = [f"00-{t}-{secrets.token_hex(8)}-01" for t in trace_ids]
    await produce(
        test_env.kafka_bootstrap_servers,
        log.layout.name(TOPIC),
        [e.to_bytes() for e in events],
        traces,
    )

    async def all_handled() -> bool:
        return len(await log.handled()) >= len(events)

    with counting_statements() as statements:
        await consume(test_env, log, group_of(test_env, "traced"), all_handled)

    assert commits(statements) == 1, statements
    rows = await log.pool.fetch("SELECT headers FROM outbox ORDER BY id")
    carried = [json.loads(r["headers"])["traceparent"].split("-")[1] for r in rows]
    assert carried == trace_ids
