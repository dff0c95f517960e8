from __future__ import annotations

import asyncio
from uuid import uuid4

import asyncpg
import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition
from opentelemetry import trace

from slrt_shared import outbox
from slrt_shared.contracts import topics
from slrt_shared.contracts.envelope import InvalidEventError, decode
from slrt_shared.outbox import OutboxRelay, idempotent_producer
from slrt_shared.telemetry import setup_tracing
from slrt_shared.unit_of_work import PgUnitOfWork

from .conftest import escalation

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]


def event_id(record):  # type: ignore[no-untyped-def]
    """The CloudEvent id of a record, or None for records other tests left that are not events."""
    try:
        return decode(record.value).id
    except InvalidEventError:
        return None


async def read_all(bootstrap: str, topic: str, wanted: set, within: float = 20) -> list:
    """Read a topic from the start until every wanted event id was seen, then a little longer."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        partitions = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or []]
        if not partitions:
            await consumer._client.force_metadata_update()
            partitions = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic)]
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        records: list = []
        deadline = asyncio.get_running_loop().time() + within

        def seen() -> set:
            return {event_id(r) for r in records} & wanted

        while seen() != wanted and asyncio.get_running_loop().time() < deadline:
            batch = await consumer.getmany(timeout_ms=500)
            for part in batch.values():
                records.extend(part)
        # a short grace period shows there is nothing more than expected
        for part in (await consumer.getmany(timeout_ms=1000)).values():
            records.extend(part)
        return records
    finally:
        await consumer.stop()


async def test_committed_state_and_its_event_are_saved_together(scratch, test_env) -> None:
    uow = PgUnitOfWork(scratch.pool, test_env.layout)
    event = escalation()
    async with uow:
        await uow.conn.execute("INSERT INTO notes VALUES (1, 'escalated')")
        uow.emit(topics.REFERRAL_ESCALATED, event)
        await uow.commit()

    rows = await scratch.pool.fetch("SELECT event_id, topic, key FROM outbox")
    assert [(r["event_id"], r["topic"], bytes(r["key"])) for r in rows] == [
        (event.id, test_env.layout.name(topics.REFERRAL_ESCALATED), event.key)
    ]
    assert await scratch.pool.fetchval("SELECT body FROM notes WHERE id = 1") == "escalated"


async def test_a_failed_transaction_saves_neither_state_nor_event(scratch, test_env) -> None:
    uow = PgUnitOfWork(scratch.pool, test_env.layout)
    with pytest.raises(RuntimeError):
        async with uow:
            await uow.conn.execute("INSERT INTO notes VALUES (2, 'lost')")
            uow.emit(topics.REFERRAL_ESCALATED, escalation())
            raise RuntimeError("crash before commit")
    assert await scratch.pool.fetchval("SELECT count(*) FROM outbox") == 0
    assert await scratch.pool.fetchval("SELECT count(*) FROM notes") == 0


async def test_a_commit_refused_by_postgres_surfaces_its_own_error(scratch, test_env) -> None:
    uow = PgUnitOfWork(scratch.pool, test_env.layout)
    with pytest.raises(asyncpg.UniqueViolationError):
        async with uow:
            # a deferred constraint is checked only at COMMIT, so the commit itself fails
            await uow.conn.execute(
                "CREATE TEMP TABLE pairs (n int UNIQUE DEFERRABLE INITIALLY DEFERRED)"
                " ON COMMIT DROP; INSERT INTO pairs VALUES (1), (1)"
            )
            uow.emit(topics.REFERRAL_ESCALATED, escalation())
            await uow.commit()
    assert await scratch.pool.fetchval("SELECT count(*) FROM outbox") == 0


async def test_inbox_claims_an_event_once(scratch, test_env) -> None:
    event_id = uuid4()
    first = PgUnitOfWork(scratch.pool, test_env.layout)
    async with first:
        assert await first.claim(event_id, "complaint.created")
        await first.commit()
    again = PgUnitOfWork(scratch.pool, test_env.layout)
    async with again:
        assert not await again.claim(event_id, "complaint.created")


async def test_relay_publishes_in_order_with_trace_context_and_empties_the_outbox(
    scratch, test_env
) -> None:
    setup_tracing("slrt-test")
    topic = test_env.layout.name(topics.REFERRAL_ESCALATED)
    events = [escalation() for _ in range(25)]
    tracer = trace.get_tracer("test")
    with tracer.start_as_current_span("request") as span:
        trace_id = format(span.get_span_context().trace_id, "032x")
        for event in events:
            uow = PgUnitOfWork(scratch.pool, test_env.layout)
            async with uow:
                uow.emit(topics.REFERRAL_ESCALATED, event)
                await uow.commit()

    producer = idempotent_producer(test_env.kafka_bootstrap_servers, "test-relay")
    await producer.start()
    try:
        relay = OutboxRelay(scratch.pool, producer, schema="referral", batch_size=10)
        sent = [await relay.relay_once() for _ in range(4)]
    finally:
        await producer.stop()

    assert sent == [10, 10, 5, 0]
    assert await scratch.pool.fetchval("SELECT count(*) FROM outbox") == 0
    mine = {e.id for e in events}
    records = await read_all(test_env.kafka_bootstrap_servers, topic, mine)
    received = [r for r in records if event_id(r) in mine]
    assert sorted(decode(r.value).id for r in received) == sorted(mine)
    for record in received:
        headers = dict(record.headers)
        assert headers["content-type"] == b"application/cloudevents+json"
        assert headers["traceparent"].decode().split("-")[1] == trace_id
        assert record.key == decode(record.value).key


async def test_two_relays_never_publish_the_same_event_twice(scratch, test_env) -> None:
    topic = test_env.layout.name(topics.REFERRAL_ESCALATED)
    events = [escalation() for _ in range(40)]
    for event in events:
        uow = PgUnitOfWork(scratch.pool, test_env.layout)
        async with uow:
            uow.emit(topics.REFERRAL_ESCALATED, event)
            await uow.commit()

    producers = [idempotent_producer(test_env.kafka_bootstrap_servers, f"r{i}") for i in (1, 2)]
    for p in producers:
        await p.start()
    try:
        relays = [OutboxRelay(scratch.pool, p, schema="referral", batch_size=7) for p in producers]
        total = 0
        while True:
            counts = await asyncio.gather(*(r.relay_once() for r in relays))
            total += sum(counts)
            if await scratch.pool.fetchval("SELECT count(*) FROM outbox") == 0:
                break
    finally:
        for p in producers:
            await p.stop()

    assert total == len(events)
    mine = {e.id for e in events}
    records = await read_all(test_env.kafka_bootstrap_servers, topic, mine)
    ids = [event_id(r) for r in records if event_id(r) in mine]
    assert len(ids) == len(events) == len(set(ids))


async def test_an_event_committed_during_a_relay_pass_is_sent_without_waiting(
    scratch, test_env
) -> None:
    first_pass, go_on = asyncio.Event(), asyncio.Event()

    class HeldRelay(OutboxRelay):
        async def _publish(self, rows):  # type: ignore[no-untyped-def]
            if not first_pass.is_set():
                first_pass.set()
                await go_on.wait()  # hold the first pass while the next event commits
            return await super()._publish(rows)

    async def commit_one() -> None:
        uow = PgUnitOfWork(scratch.pool, test_env.layout)
        async with uow:
            uow.emit(topics.REFERRAL_ESCALATED, escalation())
            await uow.commit()

    producer = idempotent_producer(test_env.kafka_bootstrap_servers, "test-relay-wake")
    await producer.start()
    # idle_wait is the safety-net poll: far longer than the test may take
    relay = HeldRelay(scratch.pool, producer, schema="referral", idle_wait=60)
    running = asyncio.create_task(relay.run())
    try:
        await commit_one()
        await asyncio.wait_for(first_pass.wait(), 10)
        await commit_one()  # its NOTIFY arrives while the first pass is still publishing
        await asyncio.sleep(0.2)
        go_on.set()
        deadline = asyncio.get_running_loop().time() + 10
        while await scratch.pool.fetchval("SELECT count(*) FROM outbox"):
            assert asyncio.get_running_loop().time() < deadline, "second event left waiting"
            await asyncio.sleep(0.05)
    finally:
        relay.stop()
        await asyncio.wait_for(running, 10)
        await producer.stop()


async def test_a_relay_is_woken_by_its_own_schema_only(scratch, test_env) -> None:
    passes = 0

    class CountingRelay(OutboxRelay):
        async def relay_once(self) -> int:
            nonlocal passes
            passes += 1
            return await super().relay_once()

    producer = idempotent_producer(test_env.kafka_bootstrap_servers, "test-relay-own")
    await producer.start()
    relay = CountingRelay(scratch.pool, producer, schema="referral", idle_wait=60)
    running = asyncio.create_task(relay.run())
    try:
        await asyncio.sleep(0.5)
        before = passes
        for _ in range(3):  # commits to another schema's outbox, in the same database
            async with scratch.pool.acquire() as conn, conn.transaction():
                await conn.execute("SET LOCAL search_path = pg_catalog")
                await outbox.notify(conn)
        await asyncio.sleep(0.5)
        assert passes == before
        uow = PgUnitOfWork(scratch.pool, test_env.layout)
        async with uow:
            uow.emit(topics.REFERRAL_ESCALATED, escalation())
            await uow.commit()
        deadline = asyncio.get_running_loop().time() + 10
        while await scratch.pool.fetchval("SELECT count(*) FROM outbox"):
            assert asyncio.get_running_loop().time() < deadline, "own commit did not wake it"
            await asyncio.sleep(0.05)
        assert passes > before
    finally:
        relay.stop()
        await asyncio.wait_for(running, 10)
        await producer.stop()
