"""Kafka subscriptions with inbox deduplication, bounded retries and a dead-letter topic."""

from __future__ import annotations

import asyncio
import heapq
import logging
from collections import defaultdict
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, TypeVar, cast

import asyncpg
from aiokafka import ConsumerRecord, TopicPartition
from aiokafka.errors import KafkaConnectionError, KafkaTimeoutError
from faststream import AckPolicy
from faststream.kafka import KafkaBroker
from faststream.kafka.annotations import KafkaMessage
from faststream.message import StreamMessage
from opentelemetry import propagate, trace
from prometheus_client import Counter

from slrt_shared.contracts.envelope import CloudEvent, InvalidEventError, decode
from slrt_shared.contracts.events import EventData
from slrt_shared.contracts.topics import TopicLayout
from slrt_shared.offset_commits import OffsetCommits
from slrt_shared.unit_of_work import PgUnitOfWork

log = logging.getLogger(__name__)
tracer = trace.get_tracer("slrt.consumer")

D = TypeVar("D", bound=EventData)
U = TypeVar("U", bound=PgUnitOfWork)

CONSUMED = Counter("slrt_events_consumed_total", "Events consumed", ["topic", "result"])

# Failures of the platform rather than of the event: retried until the dependency is back.
TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (
    OSError,
    asyncpg.PostgresConnectionError,
    asyncpg.InterfaceError,
    asyncpg.CannotConnectNowError,
    asyncpg.TooManyConnectionsError,
    asyncpg.SerializationError,
    asyncpg.DeadlockDetectedError,
    asyncpg.AdminShutdownError,
    KafkaConnectionError,
    KafkaTimeoutError,
)

EventHandler = Callable[[CloudEvent], Awaitable[None]]


async def _raw_body(msg: StreamMessage[Any]) -> Any:
    """Hand the record value over untouched; decoding is ours, so bad JSON cannot stall us."""
    return msg.body


def subscribe(
    broker: KafkaBroker,
    *,
    layout: TopicLayout,
    handlers: Mapping[str, EventHandler],
    group_id: str,
    max_attempts: int = 3,
    retry_delay: float = 0.2,
    commit_interval: float = 0.1,
    max_records: int = 200,
    poll_ms: int = 25,
) -> OffsetCommits:
    """Consume contract topics with one consumer: commit after processing, dead-letter poison.

    One consumer per service (not one per topic) so the group rebalances once when it starts.
    Records come in batches; the records of a batch with one partition number are worked in
    publication order (a complaint's events share a key, hence that number in every topic),
    and the numbers side by side. Offsets of dealt-with records are committed together every
    `commit_interval` seconds (a round trip to the broker per record would cost more than the
    record's own work); flush the returned committer before stopping the broker.
    """
    by_physical = {layout.name(topic): topic for topic in handlers}
    commits = OffsetCommits(commit_interval)

    async def dead_letter(record: ConsumerRecord, topic: str, error: BaseException) -> None:
        headers = dict(record.headers or [])
        headers.update(
            {
                "dlq-error": str(error)[:2000].encode(),
                "dlq-error-type": type(error).__name__.encode(),
                "dlq-topic": record.topic.encode(),
                "dlq-partition": str(record.partition).encode(),
                "dlq-offset": str(record.offset).encode(),
                "dlq-group": group_id.encode(),
            }
        )
        await broker.publish(
            record.value or b"",
            topic=layout.dlq(topic),
            key=record.key,
            headers={k: v.decode(errors="replace") for k, v in headers.items()},
        )
        CONSUMED.labels(topic, "dead_lettered").inc()
        log.error(
            "dead-lettered %s[%s]@%s to %s: %s",
            record.topic,
            record.partition,
            record.offset,
            layout.dlq(topic),
            error,
        )

    @broker.subscriber(
        *by_physical,
        group_id=group_id,
        ack_policy=AckPolicy.MANUAL,
        auto_offset_reset="earliest",
        batch=True,
        max_records=max_records,
        # an empty poll is followed by a pause as long as the poll: keep both short
        batch_timeout_ms=poll_ms,
        decoder=_raw_body,
        listener=commits,
        title=group_id,
    )
    async def consume(msg: KafkaMessage) -> None:
        # A complaint's events share a key, hence the same partition number in every topic
        # (all have the same count): records of one number form a lane worked in publication
        # order across topics (a referral's dispatch before its escalation); lanes run side by
        # side.
        by_partition: dict[TopicPartition, list[ConsumerRecord]] = defaultdict(list)
        for record in cast(tuple[ConsumerRecord, ...], msg.raw_message):
            by_partition[TopicPartition(record.topic, record.partition)].append(record)
        lanes: dict[int, list[list[ConsumerRecord]]] = defaultdict(list)
        for tp, records in by_partition.items():
            lanes[tp.partition].append(records)
        async with asyncio.TaskGroup() as group:
            for streams in lanes.values():
                # merge keeps each partition's own (offset) order whatever the timestamps
                lane = list(heapq.merge(*streams, key=lambda r: r.timestamp))
                group.create_task(in_order(msg.consumer, lane))

    async def in_order(consumer: Any, lane: list[ConsumerRecord]) -> None:
        for n, record in enumerate(lane):
            try:
                again = await deal_with(record)
            except BaseException:
                rewind(consumer, lane[n:])  # nothing from here on is committed
                raise
            if again:
                rewind(consumer, lane[n:])
                return
            commits.done(consumer, record.topic, record.partition, record.offset)

    def rewind(consumer: Any, left: list[ConsumerRecord]) -> None:
        """Read again from each partition's first record not dealt with."""
        first: dict[TopicPartition, int] = {}
        for record in left:
            first.setdefault(TopicPartition(record.topic, record.partition), record.offset)
        for tp, offset in first.items():
            consumer.seek(tp, offset)

    async def deal_with(record: ConsumerRecord) -> bool:
        """Handle or dead-letter a record; True when it must be read again later."""
        topic = by_physical[record.topic]
        carrier = {k: v.decode(errors="replace") for k, v in record.headers or []}
        with tracer.start_as_current_span(
            f"{record.topic} process",
            context=propagate.extract(carrier),
            kind=trace.SpanKind.CONSUMER,
            attributes={
                "messaging.system": "kafka",
                "messaging.destination.name": record.topic,
                "messaging.consumer.group.name": group_id,
                "messaging.destination.partition.id": str(record.partition),
                "messaging.kafka.offset": record.offset,
            },
        ):
            return await handle_or_dead_letter(record, topic)

    async def handle_or_dead_letter(record: ConsumerRecord, topic: str) -> bool:
        try:
            event = decode(record.value or b"")
        except InvalidEventError as exc:
            await dead_letter(record, topic, exc)
            return False
        handler = handlers[topic]
        for attempt in range(1, max_attempts + 1):
            try:
                await handler(event)
                CONSUMED.labels(topic, "processed").inc()
                return False
            except TRANSIENT_ERRORS:
                # Read again (the offset is not committed) once the dependency answers again.
                log.warning("transient failure on %s, will redeliver", topic, exc_info=True)
                await asyncio.sleep(1.0)
                return True
            except InvalidEventError as exc:
                await dead_letter(record, topic, exc)
                return False
            except Exception as exc:  # noqa: BLE001 - one bad event must not stop the consumer
                if attempt == max_attempts:
                    await dead_letter(record, topic, exc)
                    return False
                log.warning("attempt %s on %s failed: %s", attempt, topic, exc)
                await asyncio.sleep(retry_delay * attempt)
        return False

    return commits


def with_inbox(
    uow_factory: Callable[[], U],
    model: type[D],
    use_case: Callable[[U, D, CloudEvent], Awaitable[None]],
) -> EventHandler:
    """Run a use case in one transaction that also records the event id, once per event."""

    async def handle(event: CloudEvent) -> None:
        data = event.payload_as(model)
        async with uow_factory() as uow:
            if not await uow.claim(event.id, model.topic):
                return
            await use_case(uow, data, event)
            await uow.commit()

    return handle
