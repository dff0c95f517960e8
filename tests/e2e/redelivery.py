"""Read every record about one complaint off its topics, and deliver records to them again."""

from __future__ import annotations

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.structs import ConsumerRecord


async def partitions(consumer: AIOKafkaConsumer, topic: str) -> set[int]:
    """The topic's partitions, asking the broker when the consumer has not seen it yet."""
    await consumer._client.force_metadata_update()
    return consumer.partitions_for_topic(topic) or set()


async def records_about(bootstrap: str, topics: list[str], key: str) -> list[ConsumerRecord]:
    """Every record of the topics keyed by `key` (a complaint id), read up to their ends now."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        parts = [
            TopicPartition(t, p)
            for t in topics
            for p in (consumer.partitions_for_topic(t) or await partitions(consumer, t))
        ]
        consumer.assign(parts)
        await consumer.seek_to_beginning(*parts)
        ends = await consumer.end_offsets(parts)
        mine = []
        while [p for p in parts if await consumer.position(p) < ends[p]]:
            for records in (await consumer.getmany(timeout_ms=500)).values():
                mine += [r for r in records if r.key == key.encode()]
        return mine
    finally:
        await consumer.stop()


async def deliver_again(bootstrap: str, records: list[ConsumerRecord]) -> None:
    """Produce the records again, as they were, to their own topics."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    try:
        for record in records:
            await producer.send_and_wait(
                record.topic, record.value, key=record.key, headers=list(record.headers)
            )
    finally:
        await producer.stop()
