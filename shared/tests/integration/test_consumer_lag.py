"""The lag gauge counts what a group has not yet committed, per topic."""

from __future__ import annotations

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.structs import OffsetAndMetadata

from slrt_shared.consumer_lag import group_lag

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]


async def test_lag_is_what_the_group_has_not_committed(test_env) -> None:  # type: ignore[no-untyped-def]
    bootstrap = test_env.kafka_bootstrap_servers
    busy, untouched = f"{test_env.topic_prefix}lag.busy", f"{test_env.topic_prefix}lag.untouched"
    group = f"{test_env.topic_prefix}lag-check"
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    await admin.create_topics([NewTopic(busy, 2, 1), NewTopic(untouched, 1, 1)])
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    try:
        for _ in range(5):
            await producer.send_and_wait(busy, b"{}", partition=0)
        for _ in range(2):
            await producer.send_and_wait(busy, b"{}", partition=1)
        await producer.send_and_wait(untouched, b"{}", partition=0)
    finally:
        await producer.stop()
    committer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False
    )
    await committer.start()
    try:
        committer.assign([TopicPartition(busy, 0)])
        await committer.commit({TopicPartition(busy, 0): OffsetAndMetadata(2, "")})
    finally:
        await committer.stop()

    offsets = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await offsets.start()
    try:
        lag = await group_lag(admin, offsets, group, [busy, untouched])
    finally:
        await offsets.stop()
        await admin.close()
    assert lag == {busy: 3 + 2, untouched: 1}
