"""A row the relay cannot publish is parked; other keys go on, its own key waits behind it."""

from __future__ import annotations

import asyncio
import secrets
from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType
from prometheus_client import REGISTRY

from slrt_shared import outbox_admin
from slrt_shared.contracts import topics
from slrt_shared.contracts.envelope import CloudEvent, InvalidEventError, decode, new_event
from slrt_shared.contracts.events import ReferralEscalated, ReferralUpdated
from slrt_shared.outbox import Backlog, OutboxRelay, enqueue, idempotent_producer

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]


def escalation(complaint_id: UUID | None = None) -> CloudEvent:
    complaint_id = complaint_id or uuid4()
    data = ReferralEscalated(
        referral_id=uuid4(), complaint_id=complaint_id, level="kecamatan", at=datetime.now(UTC)
    )
    return new_event(data, source="/slrt/referral", subject=complaint_id)


def update(complaint_id: UUID, note_length: int) -> CloudEvent:
    data = ReferralUpdated(
        referral_id=uuid4(),
        complaint_id=complaint_id,
        agency_code="DINSOS",
        status="in_progress",
        note="x" * note_length,
        at=datetime.now(UTC),
    )
    return new_event(data, source="/slrt/agency-gateway", subject=complaint_id)


async def commit(pool, rows: list[tuple[str, CloudEvent]]) -> dict[UUID, int]:  # type: ignore[no-untyped-def]
    """Commit events to the outbox one transaction each, in order; return their row ids."""
    for topic, event in rows:
        async with pool.acquire() as conn, conn.transaction():
            await enqueue(conn, topic, event)
    found = await pool.fetch("SELECT id, event_id FROM outbox")
    return {r["event_id"]: r["id"] for r in found}


async def create_topic(bootstrap: str, name: str, partitions: int, **configs: str) -> None:
    from slrt_devstack.provision import wait_for_leaders

    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(name, partitions, 1, topic_configs=configs)])
        await wait_for_leaders(admin, [name])
    finally:
        await admin.close()


async def set_topic_config(bootstrap: str, name: str, **configs: str) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        await admin.alter_configs([ConfigResource(ConfigResourceType.TOPIC, name, configs)])
    finally:
        await admin.close()


async def records_of(bootstrap: str, topic: str, wanted: set[UUID], within: float = 20) -> list:
    """Every record of a topic, read until the wanted event ids were seen, then a second more."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        await consumer._client.force_metadata_update()
        partitions = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic)]
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        records: list = []
        deadline = asyncio.get_running_loop().time() + within
        while set(ids_of(records)) & wanted != wanted:
            if asyncio.get_running_loop().time() > deadline:
                break
            for part in (await consumer.getmany(timeout_ms=500)).values():
                records.extend(part)
        for part in (await consumer.getmany(timeout_ms=1000)).values():
            records.extend(part)
        # other tests of the session leave records that are not events on the same topics
        return [r for r in records if event_id(r) is not None]
    finally:
        await consumer.stop()


def event_id(record) -> UUID | None:  # type: ignore[no-untyped-def]
    try:
        return decode(record.value).id
    except InvalidEventError:
        return None


def ids_of(records: list) -> list[UUID]:
    return [i for i in map(event_id, records) if i is not None]


def metric(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


async def test_a_row_for_a_missing_topic_is_parked_while_other_keys_go_on_and_its_key_waits(
    scratch, test_env
) -> None:
    bootstrap = test_env.kafka_bootstrap_servers
    ok_topic = test_env.layout.name(topics.REFERRAL_ESCALATED)
    # An agency registered at run time whose topic does not exist yet.
    missing = test_env.layout.agency(f"NEW{secrets.token_hex(3).upper()}")
    complaint = uuid4()
    first, bad, other, held_elsewhere, held_behind, last = (
        escalation(),
        escalation(complaint),
        escalation(),
        escalation(complaint),  # same key, a topic that exists: must still wait
        escalation(complaint),
        escalation(),
    )
    row = await commit(
        scratch.pool,
        [
            (ok_topic, first),
            (missing, bad),
            (ok_topic, other),
            (ok_topic, held_elsewhere),
            (missing, held_behind),
            (ok_topic, last),
        ],
    )
    failures_before = metric(
        "slrt_outbox_publish_failures_total", topic=missing, error="UnknownTopicOrPartitionError"
    )

    producer = idempotent_producer(bootstrap, "test-relay-missing-topic")
    await producer.start()
    try:
        # The automatic retry is far off: here it is the admin command that makes it due.
        relay = OutboxRelay(scratch.pool, producer, schema="referral", retry_first=600)
        assert await relay.relay_once() == 4  # three published, one parked
        assert await relay.relay_once() == 0  # nothing re-sent, nothing of the parked key

        parked = await scratch.pool.fetchrow(
            "SELECT attempts, last_error, first_failed_at, last_failed_at,"
            " next_attempt_at > now() AS later FROM outbox WHERE id = $1",
            row[bad.id],
        )
        assert parked["attempts"] == 1
        assert "UnknownTopicOrPartitionError" in parked["last_error"]
        assert parked["first_failed_at"] == parked["last_failed_at"]
        assert parked["later"]
        waiting = await scratch.pool.fetch(
            "SELECT event_id FROM outbox WHERE attempts = 0 AND next_attempt_at IS NULL"
        )
        assert {r["event_id"] for r in waiting} == {held_elsewhere.id, held_behind.id}
        assert metric("slrt_outbox_parked") == 1
        assert metric("slrt_outbox_pending") == 3
        assert metric("slrt_outbox_oldest_age_seconds") > 0
        assert (relay.backlog.pending, relay.backlog.parked) == (3, 1)
        assert (
            metric(
                "slrt_outbox_publish_failures_total",
                topic=missing,
                error="UnknownTopicOrPartitionError",
            )
            == failures_before + 1
        )
        async with scratch.pool.acquire() as conn:
            (listed,) = await outbox_admin.parked(conn)
        assert (listed.id, listed.topic, listed.key, listed.attempts, listed.waiting) == (
            row[bad.id],
            missing,
            str(complaint),
            1,
            2,
        )

        published = await records_of(bootstrap, ok_topic, {first.id, other.id, last.id})
        sent = {first.id, other.id, last.id, held_elsewhere.id}  # the topic is the session's
        assert sorted(i for i in ids_of(published) if i in sent) == sorted(
            [first.id, other.id, last.id]
        )

        await create_topic(bootstrap, missing, partitions=3)
        async with scratch.pool.acquire() as conn:
            assert await outbox_admin.retry(conn, [row[bad.id]]) == [row[bad.id]]
        assert await relay.relay_once() == 3
        assert await scratch.pool.fetchval("SELECT count(*) FROM outbox") == 0
        assert metric("slrt_outbox_parked") == 0
        assert metric("slrt_outbox_pending") == 0
        assert relay.backlog == Backlog(0, 0, 0.0)
    finally:
        await producer.stop()

    on_new_topic = await records_of(bootstrap, missing, {bad.id, held_behind.id})
    assert ids_of(on_new_topic) == [bad.id, held_behind.id]  # one partition (the key's), in order
    on_old_topic = await records_of(bootstrap, ok_topic, {held_elsewhere.id})
    mine = {first.id, other.id, last.id, held_elsewhere.id}
    assert sorted(i for i in ids_of(on_old_topic) if i in mine) == sorted(mine)  # each once
    (bad_record,) = [r for r in on_new_topic if decode(r.value).id == bad.id]
    (held_record,) = [r for r in on_old_topic if decode(r.value).id == held_elsewhere.id]
    assert held_record.timestamp >= bad_record.timestamp


async def test_a_good_row_in_the_batch_the_broker_refuses_is_published_once(
    scratch, test_env
) -> None:
    bootstrap = test_env.kafka_bootstrap_servers
    # A topic that takes records of at most 2 KiB: the broker refuses the whole producer batch.
    strict = test_env.layout.name(f"strict{secrets.token_hex(3)}")
    await create_topic(bootstrap, strict, partitions=1, **{"max.message.bytes": "2048"})
    ok_topic = test_env.layout.name(topics.REFERRAL_UPDATED)
    complaint = uuid4()
    beside = update(uuid4(), 100)  # same producer batch as the oversized record
    too_large = update(complaint, 4000)
    held = update(complaint, 100)
    elsewhere = update(uuid4(), 100)
    row = await commit(
        scratch.pool, [(strict, beside), (strict, too_large), (strict, held), (ok_topic, elsewhere)]
    )

    def new_producer() -> AIOKafkaProducer:
        return idempotent_producer(bootstrap, "test-relay-refused-batch")

    producer = new_producer()
    await producer.start()
    # A refused batch leaves a gap in the producer's sequence numbers: the relay renews it.
    relay = OutboxRelay(
        scratch.pool, producer, schema="referral", retry_first=600, producer_factory=new_producer
    )
    try:
        assert await relay.relay_once() == 3  # beside and elsewhere published, too_large parked
        assert await relay.relay_once() == 0
        left = await scratch.pool.fetch("SELECT id, last_error FROM outbox ORDER BY id")
        assert [r["id"] for r in left] == [row[too_large.id], row[held.id]]
        assert "MessageSizeTooLargeError" in left[0]["last_error"]
        assert left[1]["last_error"] is None
        before = await records_of(bootstrap, strict, {beside.id})
        assert ids_of(before) == [beside.id]  # not the held row of the parked record's key

        await set_topic_config(bootstrap, strict, **{"max.message.bytes": "1048588"})
        async with scratch.pool.acquire() as conn:
            assert await outbox_admin.retry(conn, None) == [row[too_large.id]]
        # The broker applies a topic's new limit a moment after it answers: until then the
        # record is refused (and parked) again, and retried again.
        relayed = await relay.relay_once()
        deadline = asyncio.get_running_loop().time() + 30
        while relayed < 2:
            assert asyncio.get_running_loop().time() < deadline, f"{relayed} of 2 relayed"
            await asyncio.sleep(0.5)
            async with scratch.pool.acquire() as conn:
                await outbox_admin.retry(conn, None)
            relayed += await relay.relay_once()
        assert relayed == 2
    finally:
        await relay.producer.stop()

    after = await records_of(bootstrap, strict, {beside.id, too_large.id, held.id})
    assert ids_of(after) == [beside.id, too_large.id, held.id]
    assert ids_of(await records_of(bootstrap, ok_topic, {elsewhere.id})).count(elsewhere.id) == 1


async def test_a_parked_row_is_retried_by_itself_once_its_topic_exists(scratch, test_env) -> None:
    bootstrap = test_env.kafka_bootstrap_servers
    missing = test_env.layout.agency(f"LATE{secrets.token_hex(3).upper()}")
    complaint = uuid4()
    waiting_for_topic, behind_it = escalation(complaint), escalation(complaint)
    row = await commit(scratch.pool, [(missing, waiting_for_topic), (missing, behind_it)])

    producer = idempotent_producer(bootstrap, "test-relay-auto-retry")
    await producer.start()
    relay = OutboxRelay(
        scratch.pool, producer, schema="referral", idle_wait=0.1, retry_first=0.2, retry_max=0.5
    )
    running = asyncio.create_task(relay.run())
    try:
        deadline = asyncio.get_running_loop().time() + 20
        while not await scratch.pool.fetchval(
            "SELECT attempts FROM outbox WHERE id = $1", row[waiting_for_topic.id]
        ):
            assert asyncio.get_running_loop().time() < deadline, "the row was never tried"
            await asyncio.sleep(0.05)
        await create_topic(bootstrap, missing, partitions=3)
        while await scratch.pool.fetchval("SELECT count(*) FROM outbox"):
            assert asyncio.get_running_loop().time() < deadline + 20, "no automatic retry"
            await asyncio.sleep(0.05)
    finally:
        relay.stop()
        await asyncio.wait_for(running, 30)
        await producer.stop()

    published = await records_of(bootstrap, missing, {waiting_for_topic.id, behind_it.id})
    assert ids_of(published) == [waiting_for_topic.id, behind_it.id]


class LateFirstSend:
    """A producer whose first send is taken but acknowledged only when the test says so.

    It stands for a broker that went away with a record in flight: the producer keeps it and
    writes it when the broker is back, maybe long after the relay stopped waiting for it.
    """

    def __init__(self, producer: AIOKafkaProducer) -> None:
        self._producer = producer
        self._held: tuple[str, dict[str, Any]] | None = None
        self._ack: asyncio.Future[Any] | None = None

    @property
    def client(self) -> Any:
        return self._producer.client

    async def send(self, topic: str, **record: Any) -> asyncio.Future[Any]:
        if self._ack is None:
            self._held, self._ack = (topic, record), asyncio.get_running_loop().create_future()
            return self._ack
        return await self._producer.send(topic, **record)

    async def land(self) -> None:
        """The broker is back: the held record is written now, then acknowledged."""
        assert self._held is not None and self._ack is not None
        topic, record = self._held
        self._ack.set_result(await (await self._producer.send(topic, **record)))


async def test_no_member_relays_while_another_members_send_may_still_land(
    scratch, test_env
) -> None:
    bootstrap = test_env.kafka_bootstrap_servers
    topic = test_env.layout.agency(f"ORD{secrets.token_hex(3).upper()}")
    await create_topic(bootstrap, topic, partitions=1)
    complaint = uuid4()
    older, newer = escalation(complaint), escalation(complaint)
    await commit(scratch.pool, [(topic, older), (topic, newer)])

    producers = [idempotent_producer(bootstrap, f"test-relay-order-{n}") for n in (1, 2)]
    for producer in producers:
        await producer.start()
    late = LateFirstSend(producers[0])
    # Member A's send of the older copy is not acknowledged in time; its row is due again at once.
    member_a = OutboxRelay(
        scratch.pool,
        late,
        schema="referral",
        ack_timeout=0.3,
        retry_first=0,  # type: ignore[arg-type]
    )
    member_b = OutboxRelay(scratch.pool, producers[1], schema="referral", retry_first=0)
    try:
        assert await member_a.relay_once() == 1  # parked, its send still under way
        # Member B must not send the older copy and the newer one behind it: A's older copy
        # would then land last, and the agency's last copy would be the older state.
        assert await member_b.relay_once() == 0
        await late.land()
        assert await member_a.relay_once() == 2
        assert await member_b.relay_once() == 0
        assert await scratch.pool.fetchval("SELECT count(*) FROM outbox") == 0
    finally:
        await member_a.relay_once()  # gives its lease up, as its run() would on stopping
        for producer in producers:
            await producer.stop()

    published = await records_of(bootstrap, topic, {older.id, newer.id})
    assert ids_of(published) == [older.id, newer.id]
