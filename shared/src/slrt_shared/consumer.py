"""Kafka subscriptions with inbox deduplication, bounded retries and a dead-letter topic."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, TypeVar, cast

import asyncpg
from aiokafka import ConsumerRecord
from aiokafka.errors import KafkaConnectionError, KafkaTimeoutError
from faststream import AckPolicy
from faststream.kafka import KafkaBroker
from faststream.kafka.annotations import KafkaMessage
from faststream.message import StreamMessage
from prometheus_client import Counter

from slrt_shared.contracts.envelope import CloudEvent, InvalidEventError, decode
from slrt_shared.contracts.events import EventData
from slrt_shared.contracts.topics import TopicLayout
from slrt_shared.unit_of_work import PgUnitOfWork

log = logging.getLogger(__name__)

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
) -> None:
    """Consume contract topics with one consumer: commit after processing, dead-letter poison.

    One consumer per service (not one per topic) so the group rebalances once when it starts.
    """
    by_physical = {layout.name(topic): topic for topic in handlers}

    async def dead_letter(msg: KafkaMessage, topic: str, error: BaseException) -> None:
        record = cast(ConsumerRecord, msg.raw_message)
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
        ack_policy=AckPolicy.NACK_ON_ERROR,
        auto_offset_reset="earliest",
        decoder=_raw_body,
        title=group_id,
    )
    async def consume(body: bytes, msg: KafkaMessage) -> None:
        topic = by_physical[cast(ConsumerRecord, msg.raw_message).topic]
        handler = handlers[topic]
        try:
            event = decode(body)
        except InvalidEventError as exc:
            await dead_letter(msg, topic, exc)
            return
        for attempt in range(1, max_attempts + 1):
            try:
                await handler(event)
                CONSUMED.labels(topic, "processed").inc()
                return
            except TRANSIENT_ERRORS:
                # Redelivered (the offset is not committed) once the dependency answers again.
                log.warning("transient failure on %s, will redeliver", topic, exc_info=True)
                await asyncio.sleep(1.0)
                raise
            except InvalidEventError as exc:
                await dead_letter(msg, topic, exc)
                return
            except Exception as exc:  # noqa: BLE001 - one bad event must not stop the consumer
                if attempt == max_attempts:
                    await dead_letter(msg, topic, exc)
                    return
                log.warning("attempt %s on %s failed: %s", attempt, topic, exc)
                await asyncio.sleep(retry_delay * attempt)


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
