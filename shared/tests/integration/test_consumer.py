from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime
from uuid import uuid4

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from faststream.kafka import KafkaBroker

from slrt_shared.consumer import subscribe, with_inbox
from slrt_shared.contracts import topics
from slrt_shared.contracts.envelope import CloudEvent, new_event
from slrt_shared.contracts.events import ReferralEscalated
from slrt_shared.unit_of_work import PgUnitOfWork

from .conftest import committed_to_end, own_topics

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]


def escalation(level: str = "kecamatan") -> CloudEvent:
    complaint_id = uuid4()
    data = ReferralEscalated(
        referral_id=uuid4(), complaint_id=complaint_id, level=level, at=datetime.now(UTC)
    )
    return new_event(data, source="/slrt/referral", subject=complaint_id)


async def produce(bootstrap: str, topic: str, values: list[tuple[bytes, bytes]]) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    try:
        for key, value in values:
            await producer.send_and_wait(topic, value=value, key=key)
    finally:
        await producer.stop()


async def wait_for(predicate, within: float = 30) -> None:  # type: ignore[no-untyped-def]
    deadline = asyncio.get_running_loop().time() + within
    while not predicate():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.1)


async def dead_letters(bootstrap: str, topic: str, wanted: int) -> list:
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        consumer.assign([TopicPartition(topic, 0)])
        await consumer.seek_to_beginning(TopicPartition(topic, 0))
        records: list = []
        deadline = asyncio.get_running_loop().time() + 20
        while len(records) < wanted and asyncio.get_running_loop().time() < deadline:
            for part in (await consumer.getmany(timeout_ms=500)).values():
                records.extend(part)
        return records
    finally:
        await consumer.stop()


async def test_poison_records_go_to_the_dead_letter_topic_and_the_consumer_goes_on(
    test_env,
) -> None:
    group = f"{test_env.topic_prefix}dlq-test-{uuid4().hex[:6]}"
    # Topics of its own: another test's records on the session's topics would be handled too.
    layout = await own_topics(test_env, "poison")
    topic = topics.REFERRAL_ESCALATED
    handled: list[CloudEvent] = []
    attempts: Counter[str] = Counter()
    poison = escalation(level="kabupaten")

    async def handler(event: CloudEvent) -> None:
        attempts[str(event.id)] += 1
        if event.id == poison.id:
            raise ValueError("this event always fails")
        handled.append(event)

    broker = KafkaBroker(test_env.kafka_bootstrap_servers)
    subscribe(
        broker,
        layout=layout,
        handlers={topic: handler},
        group_id=group,
        max_attempts=3,
        retry_delay=0.01,
    )
    good = escalation()
    await broker.start()
    try:
        await produce(
            test_env.kafka_bootstrap_servers,
            layout.name(topic),
            [(b"k1", b"{not json"), (poison.key, poison.to_bytes()), (good.key, good.to_bytes())],
        )
        # The three records sit on different partitions: wait for both outcomes, then for the
        # commit that follows the last of them (later on a loaded machine: polled, not slept).
        await wait_for(
            lambda: [e.id for e in handled] == [good.id] and attempts[str(poison.id)] == 3
        )
        # Every record, the dead-lettered ones included, is committed once it was dealt with.
        deadline = asyncio.get_running_loop().time() + 30
        while not await committed_to_end(test_env.kafka_bootstrap_servers, group):
            assert asyncio.get_running_loop().time() < deadline, "offsets not committed"
            await asyncio.sleep(0.5)
    finally:
        await broker.stop()

    assert attempts[str(poison.id)] == 3
    records = await dead_letters(test_env.kafka_bootstrap_servers, layout.dlq(topic), wanted=2)
    mine = {
        r.value: dict(r.headers)
        for r in records
        if dict(r.headers).get("dlq-group") == group.encode()
    }
    assert set(mine) == {b"{not json", poison.to_bytes()}
    assert mine[b"{not json"]["dlq-error-type"] == b"InvalidEventError"
    assert mine[poison.to_bytes()]["dlq-error-type"] == b"ValueError"
    assert mine[poison.to_bytes()]["dlq-error"] == b"this event always fails"
    assert mine[poison.to_bytes()]["dlq-topic"] == layout.name(topic).encode()


async def test_one_consumer_serves_several_topics_and_dead_letters_to_each_ones_dlq(
    test_env,
) -> None:
    group = f"{test_env.topic_prefix}multi-{uuid4().hex[:6]}"
    layout = await own_topics(test_env, "multi")
    seen: list[str] = []

    async def escalated(event: CloudEvent) -> None:
        seen.append(f"escalated:{event.id}")

    async def updated(event: CloudEvent) -> None:
        seen.append(f"updated:{event.id}")

    broker = KafkaBroker(test_env.kafka_bootstrap_servers)
    subscribe(
        broker,
        layout=layout,
        handlers={topics.REFERRAL_ESCALATED: escalated, topics.REFERRAL_UPDATED: updated},
        group_id=group,
    )
    good = escalation()
    marker = uuid4().hex.encode()
    await broker.start()
    try:
        await produce(
            test_env.kafka_bootstrap_servers,
            layout.name(topics.REFERRAL_UPDATED),
            [(b"k", b"oops " + marker)],
        )
        await produce(
            test_env.kafka_bootstrap_servers,
            layout.name(topics.REFERRAL_ESCALATED),
            [(good.key, good.to_bytes())],
        )
        await wait_for(lambda: f"escalated:{good.id}" in seen)
        # The poison is another partition's lane: stopping now could end it before its dead letter.
        deadline = asyncio.get_running_loop().time() + 30
        dlq = layout.dlq(topics.REFERRAL_UPDATED)
        while not any(
            r.value.endswith(marker)
            for r in await dead_letters(test_env.kafka_bootstrap_servers, dlq, wanted=1)
        ):
            assert asyncio.get_running_loop().time() < deadline, "no dead letter of the poison"
            await asyncio.sleep(0.2)
    finally:
        await broker.stop()
    records = await dead_letters(
        test_env.kafka_bootstrap_servers, layout.dlq(topics.REFERRAL_UPDATED), wanted=1
    )
    assert [
        r.value
        for r in records
        if r.value.endswith(marker) and dict(r.headers).get("dlq-group") == group.encode()
    ] == [b"oops " + marker]


async def test_a_transient_failure_is_redelivered_and_processed_once(test_env) -> None:
    group = f"{test_env.topic_prefix}transient-{uuid4().hex[:6]}"
    topic = topics.REFERRAL_ESCALATED
    calls: Counter[str] = Counter()
    event = escalation()

    async def handler(received: CloudEvent) -> None:
        if received.id != event.id:
            return
        calls["seen"] += 1
        if calls["seen"] == 1:
            raise ConnectionRefusedError("database restarting")
        calls["done"] += 1

    broker = KafkaBroker(test_env.kafka_bootstrap_servers)
    subscribe(broker, layout=test_env.layout, handlers={topic: handler}, group_id=group)
    await broker.start()
    try:
        await produce(
            test_env.kafka_bootstrap_servers,
            test_env.layout.name(topic),
            [(event.key, event.to_bytes())],
        )
        await wait_for(lambda: calls["done"] == 1)
        await asyncio.sleep(1.5)
    finally:
        await broker.stop()
    assert calls == Counter(seen=2, done=1)


async def until(probe, within: float = 30) -> None:  # type: ignore[no-untyped-def]
    deadline = asyncio.get_running_loop().time() + within
    while not await probe():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.1)


async def test_a_redelivered_event_changes_nothing(test_env, scratch) -> None:
    topic = topics.REFERRAL_ESCALATED
    events = [escalation() for _ in range(5)]
    mine = {e.id for e in events}

    async def record(uow: PgUnitOfWork, data: ReferralEscalated, event: CloudEvent) -> None:
        if event.id in mine:
            await uow.conn.execute(
                "INSERT INTO notes (id, body) VALUES ((SELECT count(*) FROM notes) + 1, $1)",
                str(event.id),
            )

    handler = with_inbox(
        lambda: PgUnitOfWork(scratch.pool, test_env.layout), ReferralEscalated, record
    )
    await produce(
        test_env.kafka_bootstrap_servers,
        test_env.layout.name(topic),
        [(e.key, e.to_bytes()) for e in events],
    )

    async def all_recorded() -> bool:
        return await scratch.pool.fetchval("SELECT count(*) FROM notes") >= len(events)

    # The second group reads the same records again from the beginning: a full redelivery.
    for group in ("first", "again"):
        broker = KafkaBroker(test_env.kafka_bootstrap_servers)
        subscribe(
            broker,
            layout=test_env.layout,
            handlers={topic: handler},
            group_id=f"{test_env.topic_prefix}{group}-{uuid4().hex[:6]}",
        )
        await broker.start()
        try:
            await until(all_recorded)
            await asyncio.sleep(2.0)
        finally:
            await broker.stop()

    bodies = await scratch.pool.fetch("SELECT body FROM notes")
    assert sorted(r["body"] for r in bodies) == sorted(str(e.id) for e in events)


async def test_partitions_are_worked_side_by_side_each_in_its_own_order(test_env) -> None:

    group = f"{test_env.topic_prefix}order-{uuid4().hex[:6]}"
    # topics of its own: records other tests left would interleave with these
    layout = await own_topics(test_env, "order")
    topic = topics.REFERRAL_ESCALATED
    complaints = [uuid4() for _ in range(12)]
    events: dict[object, tuple[int, int]] = {}
    batch = []
    for step in range(8):
        for which, complaint_id in enumerate(complaints):
            data = ReferralEscalated(
                referral_id=uuid4(),
                complaint_id=complaint_id,
                level="kecamatan",
                at=datetime.now(UTC),
            )
            event = new_event(data, source="/slrt/referral", subject=complaint_id)
            events[event.id] = (which, step)
            batch.append((event.key, event.to_bytes()))
    handled: dict[int, list[int]] = {which: [] for which in range(len(complaints))}
    failed_once: set[int] = set()
    busy = {"now": 0, "most": 0}

    async def handler(event: CloudEvent) -> None:
        which, step = events[event.id]
        busy["now"] += 1
        busy["most"] = max(busy["most"], busy["now"])
        try:
            await asyncio.sleep(0.02)
            if which == 0 and step == 3 and which not in failed_once:
                failed_once.add(which)
                raise ConnectionResetError("database restarting")
            handled[which].append(step)
        finally:
            busy["now"] -= 1

    await produce(test_env.kafka_bootstrap_servers, layout.name(topic), batch)
    broker = KafkaBroker(test_env.kafka_bootstrap_servers)
    subscribe(broker, layout=layout, handlers={topic: handler}, group_id=group)
    await broker.start()
    try:
        await wait_for(lambda: all(len(steps) == 8 for steps in handled.values()), within=60)
        await asyncio.sleep(1.0)
    finally:
        await broker.stop()
    # A failed record is read again with everything after it on its partition, in order.
    assert handled == {which: list(range(8)) for which in range(len(complaints))}
    assert failed_once == {0}
    assert busy["most"] > 1


async def test_a_complaints_events_on_two_topics_are_worked_in_publication_order(
    test_env,
) -> None:

    group = f"{test_env.topic_prefix}lanes-{uuid4().hex[:6]}"
    layout = await own_topics(test_env, "lanes")
    first, then = topics.REFERRAL_DISPATCHED, topics.REFERRAL_ESCALATED
    complaints = [uuid4() for _ in range(9)]

    def events_for(topic_name: str) -> list[tuple[bytes, bytes]]:
        out = []
        for complaint_id in complaints:
            data = ReferralEscalated(
                referral_id=uuid4(),
                complaint_id=complaint_id,
                level="kecamatan",
                at=datetime.now(UTC),
            )
            event = new_event(data, source="/slrt/referral", subject=complaint_id)
            out.append((event.key, event.to_bytes()))
        return out

    # Both topics hold their records before the consumer starts: they arrive in one batch.
    await produce(test_env.kafka_bootstrap_servers, layout.name(first), events_for(first))
    await produce(test_env.kafka_bootstrap_servers, layout.name(then), events_for(then))
    dispatched: set[str] = set()
    escalated: list[tuple[str, bool]] = []

    async def on_first(event: CloudEvent) -> None:
        await asyncio.sleep(0.05)  # slower than its follow-up: only ordering keeps them right
        dispatched.add(event.subject)

    async def on_then(event: CloudEvent) -> None:
        escalated.append((event.subject, event.subject in dispatched))

    broker = KafkaBroker(test_env.kafka_bootstrap_servers)
    subscribe(broker, layout=layout, handlers={first: on_first, then: on_then}, group_id=group)
    await broker.start()
    try:
        await wait_for(lambda: len(escalated) == len(complaints), within=60)
    finally:
        await broker.stop()
    assert sorted(escalated) == sorted((str(c), True) for c in complaints)
