"""The lag gauge counts what a group has not yet committed, per topic."""

from __future__ import annotations

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.structs import OffsetAndMetadata

from slrt_shared.consumer_lag import group_lag
from slrt_shared.contracts import topics

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]


async def test_lag_is_what_the_group_has_not_committed(test_env) -> None:  # type: ignore[no-untyped-def]
    bootstrap = test_env.kafka_bootstrap_servers
    escalated = test_env.layout.name(topics.REFERRAL_ESCALATED)
    closed = test_env.layout.name(topics.COMPLAINT_CLOSED)
    group = f"{test_env.topic_prefix}lag-check"
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    try:
        for _ in range(5):
            await producer.send_and_wait(escalated, b"{}", key=b"same", partition=0)
        await producer.send_and_wait(closed, b"{}", key=b"same", partition=0)
    finally:
        await producer.stop()
    committer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False
    )
    await committer.start()
    try:
        committer.assign([TopicPartition(escalated, 0)])
        end = (await committer.end_offsets([TopicPartition(escalated, 0)]))[
            TopicPartition(escalated, 0)
        ]
        await committer.commit({TopicPartition(escalated, 0): OffsetAndMetadata(end - 3, "")})
    finally:
        await committer.stop()

    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    offsets = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await admin.start()
    await offsets.start()
    try:
        lag = await group_lag(admin, offsets, group, [escalated, closed])
    finally:
        await offsets.stop()
        await admin.close()
    before = await _records_before(bootstrap, closed)
    assert lag[escalated] == 3
    assert lag[closed] == before  # never committed: everything on it is lag


async def _records_before(bootstrap: str, topic: str) -> int:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await admin.start()
    await consumer.start()
    try:
        (described,) = await admin.describe_topics([topic])
        partitions = [TopicPartition(topic, p["partition"]) for p in described["partitions"]]
        consumer.assign(partitions)
        ends = await consumer.end_offsets(partitions)
        starts = await consumer.beginning_offsets(partitions)
        return sum(ends[tp] - starts[tp] for tp in partitions)
    finally:
        await consumer.stop()
        await admin.close()
