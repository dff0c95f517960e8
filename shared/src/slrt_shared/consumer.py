"""Kafka subscriptions: inbox deduplication, error classes, backoff and a dead-letter topic.

What a record's failure means decides what happens to it (`classify`):

- **poison**: the record can never succeed. It cannot be decoded, breaks its schema, or is
  domain-invalid: `InvalidEventError` and its subclasses, which use cases raise for, say, an
  agency's event about a referral the service never stored. It goes to `<topic>.dlq` at once and
  its offset is committed.
- **transient**: the platform failed, not the record. Every Postgres error
  (`asyncpg.PostgresError`: a read-only transaction during a failover, disk full, out of memory,
  a cancelled statement, a lock or idle-in-transaction timeout, an admin shutdown,
  serialization, deadlock ...), `asyncpg.InterfaceError`, `OSError` (connection errors and
  timeouts) and every broker error (`KafkaError`), a failed dead-letter publish among them. The
  record is tried again without a limit, after a backoff that doubles from `backoff_initial` to
  `backoff_max` seconds, with jitter. Meanwhile its lane's partitions are paused
  (`consumer.pause`) and every other partition keeps flowing. Each failure is counted in
  `slrt_consumer_transient_failures_total{topic,error}`; `slrt_consumer_partitions_waiting` and
  `Subscription.status()` (in `/readyz`) show what waits, since when and on what. A Postgres
  error caused by a record's content would hold its partition too, so a use case that can tell
  raises InvalidEventError instead.
- **unexpected**: anything else, most likely a programming error. Tried `max_attempts` times in
  a row, then dead-lettered: a bug must not stall a partition for good, and `python -m
  <service> dlq replay` processes the record once the bug is fixed (`dlq_admin`).

A dead letter of a topic with personal data (`PERSONAL_DATA_TOPICS`) holds the error and the
coordinates of the original record (`contracts.dead_letters.DeadLetter`), not a copy: the
original stays on its own topic for as long as that topic keeps it. Other topics' dead letters
copy the record whole (value, key, headers), which helps the operators. No error text, stored or
logged, quotes a record's values (`describe_error`).

Records of one partition number form a lane, worked in publication order across topics (a
complaint's events share a key, hence that number in every topic). Each lane runs as a task of
its own while its partitions are paused, and the poll loop goes on: a slow or waiting lane
delays no other, and nothing raised in a lane leaves it. Offsets are marked only once a record
is dealt with (processed or dead-lettered); a waiting record and everything after it on its
partition are read again. On a rebalance every lane stops after its current record (or batch)
and is waited for (up to `revoke_grace` seconds) before the offsets are committed; the new
assignment starts unpaused from the committed offsets, so nothing stays paused or is skipped.

**Batches.** A lane's records in a row whose handlers are `with_inbox` handlers of one
unit-of-work factory (and not `batchable=False`) are worked up to `batch_max` at a time in ONE
transaction: every record decoded and parsed first, one inbox statement claiming all their event
ids (`inbox.claim_all`; an id seen before, or twice in the batch, runs no use case), the use
cases of the claimed events in lane order on the same unit of work (each reads what the ones
before it wrote), the events they announced in one outbox statement, one commit; only then are
the records' offsets marked. On ANY error (a record that does not decode, a poison or
unexpected error, a transient failure, the commit itself) the transaction is rolled back, which
undoes the inbox claims too, and the batch is worked again one record at a time, each in a
transaction of its own: dead letters, retries, backoff and pauses stay per record, exactly as
without batches, and nothing runs twice (a commit whose outcome was lost is found by the inbox).
A batch of one is the path of one record. Any other handler runs one record at a time.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import heapq
import logging
import random
import traceback
from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any, Generic, TypeVar, cast
from uuid import UUID

import asyncpg
from aiokafka import ConsumerRecord, TopicPartition
from aiokafka.errors import IllegalStateError, KafkaError
from faststream import AckPolicy
from faststream.kafka import KafkaBroker
from faststream.kafka.annotations import KafkaMessage
from faststream.message import StreamMessage
from opentelemetry import propagate, trace
from prometheus_client import Counter, Gauge
from pydantic import ValidationError

from slrt_shared.contracts import dead_letters
from slrt_shared.contracts.envelope import CloudEvent, InvalidEventError, decode, problems
from slrt_shared.contracts.events import EventData
from slrt_shared.contracts.topics import TopicLayout, carries_personal_data
from slrt_shared.offset_commits import OffsetCommits
from slrt_shared.unit_of_work import PgUnitOfWork

log = logging.getLogger(__name__)
tracer = trace.get_tracer("slrt.consumer")

D = TypeVar("D", bound=EventData)
U = TypeVar("U", bound=PgUnitOfWork)

CONSUMED = Counter("slrt_events_consumed_total", "Events consumed", ["topic", "result"])
TRANSIENT_FAILURES = Counter(
    "slrt_consumer_transient_failures_total",
    "Records whose handling failed for a transient reason and will be tried again",
    ["topic", "error"],
)
BATCH_FALLBACKS = Counter(
    "slrt_consumer_batch_fallbacks_total",
    "Batches rolled back on an error and worked again one record at a time",
    ["group", "error"],
)
PARTITIONS_WAITING = Gauge(
    "slrt_consumer_partitions_waiting",
    "Partitions paused until a record that failed for a transient reason is tried again",
    ["group"],
)

# Failures of the platform rather than of the event: tried again until the dependency is back.
# (ConnectionError and TimeoutError, asyncio's included, are OSErrors.)
TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (
    asyncpg.PostgresError,
    asyncpg.InterfaceError,
    # a pooled connection cut mid-operation (a failover, a restart), found out by its next user
    asyncpg.InternalClientError,
    OSError,
    KafkaError,
)

EventHandler = Callable[[CloudEvent], Awaitable[None]]


class ErrorClass(enum.Enum):
    """What a failure says about the record that caused it."""

    POISON = "poison"
    TRANSIENT = "transient"
    UNEXPECTED = "unexpected"


def classify(error: BaseException) -> ErrorClass:
    """Tell a record that can never succeed from a platform failure and from a bug."""
    if isinstance(error, BaseExceptionGroup):
        kinds = {classify(inner) for inner in error.exceptions}
        if ErrorClass.TRANSIENT in kinds:
            return ErrorClass.TRANSIENT
        return ErrorClass.POISON if kinds == {ErrorClass.POISON} else ErrorClass.UNEXPECTED
    if isinstance(error, InvalidEventError):
        return ErrorClass.POISON
    if isinstance(error, TRANSIENT_ERRORS):
        return ErrorClass.TRANSIENT
    return ErrorClass.UNEXPECTED


def describe_error(error: BaseException, *, personal: bool) -> str:
    """Say what went wrong without quoting the record's values, for logs and dead letters.

    Pydantic's own message quotes the input and a Postgres error's DETAIL the failing row; on a
    topic with personal data (`personal`) the text of any other error is withheld too, since a
    handler's message may quote what it was given: only where it was raised is said.
    """
    if isinstance(error, BaseExceptionGroup):
        return "; ".join(describe_error(inner, personal=personal) for inner in error.exceptions)
    if isinstance(error, ValidationError):
        return f"{error.title}: {problems(error)}"
    if isinstance(error, InvalidEventError):
        return str(error)  # worded by our own code, from locations and schema rules only
    if isinstance(error, asyncpg.PostgresError):
        state = getattr(error, "sqlstate", None) or "?"
        if personal:
            return f"SQLSTATE {state}, raised {_raised_at(error)}"
        return f"{error.args[0] if error.args else ''} (SQLSTATE {state})"
    if personal:
        return f"raised {_raised_at(error)} (its text is withheld: the record has personal data)"
    return str(error)


def _raised_at(error: BaseException) -> str:
    """Where an error was raised: the innermost frame of our own code, else the innermost."""
    frames = traceback.extract_tb(error.__traceback__)
    if not frames:
        return "at an unknown place"
    ours = [f for f in frames if not any(lib in f.filename for lib in ("site-packages", "/lib/py"))]
    frame = (ours or frames)[-1]
    return f"at {frame.filename.rsplit('/', 1)[-1]}:{frame.lineno} in {frame.name}"


def backoff_delay(
    failures: int, initial: float, cap: float, rng: random.Random | None = None
) -> float:
    """Seconds to wait after `failures` failures in a row: doubling up to `cap`, jittered."""
    ceiling = min(cap, initial * 2.0 ** min(max(failures, 1) - 1, 64))
    # Between half and all of the ceiling: replicas that failed together retry apart.
    return (rng or random).uniform(ceiling / 2, ceiling)


@dataclass
class Waiting:
    """A lane held back by a record that failed for a transient reason."""

    topic: str
    partition: int
    offset: int
    since: datetime
    failures: int
    error: str
    retry_at: datetime

    def as_json(self) -> dict[str, Any]:
        """The entry as /readyz shows it."""
        return {
            "topic": self.topic,
            "partition": self.partition,
            "offset": self.offset,
            "since": self.since.isoformat(),
            "failures": self.failures,
            "error": self.error,
            "retry_at": self.retry_at.isoformat(),
        }


RecordWork = Callable[[ConsumerRecord], Awaitable[None]]
BatchWork = Callable[[Sequence[ConsumerRecord]], Awaitable[None]]
BatchKey = Callable[[ConsumerRecord], object | None]


def _unbatched(_: ConsumerRecord) -> None:
    return None


class Subscription:
    """The lanes of one consumer: in flight, waiting on a transient failure, and their offsets.

    `work` deals with one record (processes or dead-letters it) and raises when the record
    must be tried again later. `batch` processes records in one transaction or raises having
    changed nothing: it is given up to `batch_max` records in a row of a lane whose
    `batch_key` is the same and not None; on any error they go to `work` one by one.
    """

    def __init__(
        self,
        group_id: str,
        work: RecordWork,
        *,
        topics: Mapping[str, str] | None = None,
        commit_interval: float = 0.1,
        backoff_initial: float = 0.1,
        backoff_max: float = 30.0,
        revoke_grace: float = 10.0,
        batch: BatchWork | None = None,
        batch_key: BatchKey = _unbatched,
        batch_max: int = 100,
    ) -> None:
        self.group_id = group_id
        self.commits = OffsetCommits(commit_interval, before_revoke=self._revoked)
        self._work = work
        self._batch = batch
        self._batch_key = batch_key if batch is not None else _unbatched
        self._batch_max = max(1, batch_max)
        self._topics = dict(topics or {})  # physical name -> contract topic, for the metrics
        self._backoff = (backoff_initial, backoff_max)
        self._revoke_grace = revoke_grace
        # Bumped on every revocation and at stop: a lane of an older generation touches
        # neither positions nor pauses of the partitions, which may belong to others by now.
        self._generation = 0
        self._lanes: dict[int, asyncio.Task[None]] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._waiting: dict[int, Waiting] = {}
        self._timers: dict[int, asyncio.TimerHandle] = {}
        self._stopping = False
        self._gauge = PARTITIONS_WAITING.labels(group_id)
        self._gauge.set(0)

    def waiting(self) -> list[Waiting]:
        """The lanes waiting on a transient failure, oldest first."""
        return sorted(self._waiting.values(), key=lambda w: w.since)

    def status(self) -> dict[str, Any]:
        """What the consumer is doing, for /readyz."""
        waiting = self.waiting()
        return {
            "group": self.group_id,
            "lanes_in_flight": sum(1 for task in self._lanes.values() if not task.done()),
            "partitions_waiting": len(waiting),
            "waiting": [w.as_json() for w in waiting],
        }

    def dispatch(self, consumer: Any, records: Iterable[ConsumerRecord]) -> None:
        """Start a lane task per partition number of a polled batch, its partitions paused."""
        if self._stopping:
            return  # not marked, so read again after the restart
        owned = consumer.assignment()
        streams: dict[int, dict[TopicPartition, list[ConsumerRecord]]] = defaultdict(dict)
        for record in records:
            tp = TopicPartition(record.topic, record.partition)
            if tp in owned:  # else given away since the poll: its new owner reads it
                streams[record.partition].setdefault(tp, []).append(record)
        for number, by_tp in streams.items():
            # merge keeps each partition's own (offset) order whatever the timestamps
            lane = list(heapq.merge(*by_tp.values(), key=lambda r: r.timestamp))
            held = [tp for tp in owned if tp.partition == number]
            self._pause(consumer, held)
            task = asyncio.get_running_loop().create_task(
                self._run(consumer, lane, held, self._lanes.get(number), self._generation),
                name=f"{self.group_id}-lane-{number}",
            )
            self._lanes[number] = task
            self._tasks.add(task)
            task.add_done_callback(partial(self._lane_ended, number))

    async def stop(self, grace: float = 10.0) -> None:
        """Let every lane finish its current record, then commit what was dealt with."""
        self._stopping = True
        self._forget_waits()
        await self._settle(grace, cancel=True)
        await self.commits.flush()

    async def _run(
        self,
        consumer: Any,
        lane: Sequence[ConsumerRecord],
        held: list[TopicPartition],
        previous: asyncio.Task[None] | None,
        generation: int,
    ) -> None:
        if previous is not None:
            await asyncio.wait([previous])  # one task per lane, even across a rebalance
        n = 0
        while n < len(lane):
            if generation != self._generation:
                return  # revoked or stopping: re-read from the committed offset
            size = self._batch_size(lane, n)
            if size > 1 and await self._batched(lane[n : n + size]):
                for record in lane[n : n + size]:  # marked only once the batch committed
                    self.commits.done(consumer, record.topic, record.partition, record.offset)
                    self._progressed(record)
                n += size
                continue
            # one record, or a batch that failed and was rolled back: one record at a time
            for record in lane[n : n + size]:
                if generation != self._generation:
                    return
                try:
                    await self._work(record)
                except Exception as exc:  # noqa: BLE001 - what fails in a lane stays in the lane
                    self._wait(consumer, lane[n:], held, exc, generation)
                    return
                self.commits.done(consumer, record.topic, record.partition, record.offset)
                self._progressed(record)
                n += 1
        if generation == self._generation:
            self._resume(consumer, held)

    def _batch_size(self, lane: Sequence[ConsumerRecord], start: int) -> int:
        """How many records from `start` on may share one transaction (1: none other)."""
        key = self._batch_key(lane[start])
        if key is None:
            return 1
        end = start + 1
        limit = min(len(lane), start + self._batch_max)
        while end < limit and self._batch_key(lane[end]) == key:
            end += 1
        return end - start

    async def _batched(self, records: Sequence[ConsumerRecord]) -> bool:
        """Process records in one transaction; False, with nothing changed, when that failed."""
        assert self._batch is not None
        try:
            await self._batch(records)
        except Exception as exc:  # noqa: BLE001 - each record is then worked and judged alone
            BATCH_FALLBACKS.labels(self.group_id, type(exc).__name__).inc()
            first = records[0]
            log.info(
                "batch of %s records from %s[%s]@%s rolled back (%s); one at a time instead",
                len(records),
                first.topic,
                first.partition,
                first.offset,
                type(exc).__name__,
            )
            return False
        return True

    def _wait(
        self,
        consumer: Any,
        left: Sequence[ConsumerRecord],
        held: list[TopicPartition],
        error: Exception,
        generation: int,
    ) -> None:
        """Read the lane again from its failed record once a backoff has passed."""
        record = left[0]
        topic = self._topics.get(record.topic, record.topic)
        TRANSIENT_FAILURES.labels(topic, type(error).__name__).inc()
        if generation != self._generation:
            return
        _rewind(consumer, left)
        number = record.partition
        entry = self._waiting.get(number)
        if entry is None or (entry.topic, entry.offset) != (record.topic, record.offset):
            now = datetime.now(UTC)
            entry = Waiting(record.topic, number, record.offset, now, 0, "", now)
            self._waiting[number] = entry
        entry.failures += 1
        entry.error = type(error).__name__
        text = describe_error(error, personal=carries_personal_data(topic))
        delay = backoff_delay(entry.failures, *self._backoff)
        entry.retry_at = datetime.now(UTC) + timedelta(seconds=delay)
        self._gauge.set(len(self._waiting))
        log.warning(
            "%s[%s]@%s failed (%s, %s in a row since %s); partition paused, retry in %.2fs: %s",
            record.topic,
            number,
            record.offset,
            entry.error,
            entry.failures,
            entry.since.isoformat(),
            delay,
            text,
        )
        loop = asyncio.get_running_loop()
        self._timers[number] = loop.call_later(
            delay, self._retry, consumer, number, held, generation
        )

    def _retry(
        self, consumer: Any, number: int, held: list[TopicPartition], generation: int
    ) -> None:
        self._timers.pop(number, None)
        if generation == self._generation and not self._stopping:
            self._resume(consumer, held)

    def _progressed(self, record: ConsumerRecord) -> None:
        entry = self._waiting.get(record.partition)
        if entry is not None and entry.topic == record.topic and record.offset >= entry.offset:
            del self._waiting[record.partition]
            self._gauge.set(len(self._waiting))
            log.info(
                "%s[%s]@%s dealt with after %s transient failures since %s",
                record.topic,
                record.partition,
                record.offset,
                entry.failures,
                entry.since.isoformat(),
            )

    def _lane_ended(self, number: int, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if self._lanes.get(number) is task:
            del self._lanes[number]
        if not task.cancelled() and task.exception() is not None:
            log.error("lane %s ended by an error", number, exc_info=task.exception())

    async def _revoked(self, _: list[TopicPartition]) -> None:
        """Before partitions move: stop every lane after its record, forget what waited."""
        self._forget_waits()
        await self._settle(self._revoke_grace, cancel=False)

    def _forget_waits(self) -> None:
        self._generation += 1
        for timer in self._timers.values():
            timer.cancel()
        self._timers.clear()
        self._waiting.clear()
        self._gauge.set(0)

    async def _settle(self, grace: float, *, cancel: bool) -> None:
        running = [task for task in self._tasks if not task.done()]
        if not running:
            return
        _, late = await asyncio.wait(running, timeout=grace)
        if late and cancel:
            for task in late:
                task.cancel()
            await asyncio.gather(*late, return_exceptions=True)
        elif late:
            log.warning(
                "%s lanes still busy after %.0fs; they stop after this record", len(late), grace
            )

    @staticmethod
    def _pause(consumer: Any, partitions: list[TopicPartition]) -> None:
        # revoked meanwhile: the new assignment starts unpaused
        with contextlib.suppress(IllegalStateError):
            consumer.pause(*partitions)

    @staticmethod
    def _resume(consumer: Any, partitions: list[TopicPartition]) -> None:
        owned = consumer.assignment()
        with contextlib.suppress(IllegalStateError):
            consumer.resume(*[tp for tp in partitions if tp in owned])


def _rewind(consumer: Any, left: Sequence[ConsumerRecord]) -> None:
    """Read again from each partition's first record not dealt with."""
    first: dict[TopicPartition, int] = {}
    for record in left:
        first.setdefault(TopicPartition(record.topic, record.partition), record.offset)
    owned = consumer.assignment()
    for tp, offset in first.items():
        if tp in owned:
            consumer.seek(tp, offset)


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
    backoff_initial: float = 0.1,
    backoff_max: float = 30.0,
    commit_interval: float = 0.1,
    max_records: int = 200,
    poll_ms: int = 25,
    batch_max: int = 100,
) -> Subscription:
    """Consume contract topics with one consumer: commit after processing, dead-letter poison.

    One consumer per service (not one per topic) so the group rebalances once when it starts.
    Records come in batches and are worked in lanes (see the module's docstring), up to
    `batch_max` records of a lane in one transaction where their handlers allow it. Offsets of
    dealt-with records are committed together every `commit_interval` seconds (a round trip to
    the broker per record would cost more than the record's own work); stop the returned
    subscription before stopping the broker.
    """
    by_physical = {layout.name(topic): topic for topic in handlers}

    async def dead_letter(record: ConsumerRecord, topic: str, error: BaseException) -> None:
        personal = carries_personal_data(topic)
        text = describe_error(error, personal=personal)[:2000]
        value, key, headers = dead_letter_record(record, group_id, error, text, personal=personal)
        # A failed publish raises: the record waits like any transient failure and is tried
        # again, so it reaches the dead-letter topic once it can.
        await broker.publish(value, topic=layout.dlq(topic), key=key, headers=headers)
        CONSUMED.labels(topic, "dead_lettered").inc()
        log.error(
            "dead-lettered %s[%s]@%s to %s: %s: %s",
            record.topic,
            record.partition,
            record.offset,
            layout.dlq(topic),
            type(error).__name__,
            text,
        )

    @contextlib.contextmanager
    def span_of(record: ConsumerRecord) -> Iterator[None]:
        """The record's processing span, a child of the context its producer stored."""
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
            yield

    async def deal_with(record: ConsumerRecord) -> None:
        """Handle or dead-letter a record; raise when it must be tried again later."""
        with span_of(record):
            await handle_or_dead_letter(record, by_physical[record.topic])

    def batch_key(record: ConsumerRecord) -> object | None:
        """The unit-of-work factory a record's handler runs on, if it may share a transaction."""
        handler = handlers[by_physical[record.topic]]
        if isinstance(handler, InboxHandling) and handler.batchable:
            return handler.uow_factory
        return None

    async def deal_with_batch(records: Sequence[ConsumerRecord]) -> None:
        """Process records in one transaction, in lane order; raise, changing nothing, if any fails.

        Nothing is dead-lettered or retried here: on any error the records are worked again one
        by one, which judges each of them (`handle_or_dead_letter`).
        """
        steps: list[tuple[ConsumerRecord, str, InboxStep]] = []
        for record in records:
            topic = by_physical[record.topic]
            handler = cast(InboxHandling, handlers[topic])
            steps.append((record, topic, handler.step(decode(record.value or b""))))
        claims: dict[UUID, str] = {}
        for _, _, step in steps:
            claims.setdefault(step.event_id, step.topic)
        first = cast(InboxHandling, handlers[steps[0][1]])
        async with first.uow_factory() as uow:
            fresh = await uow.claim_all(list(claims.items()))  # one statement for the batch
            for record, _, step in steps:
                if step.event_id in fresh:
                    fresh.discard(step.event_id)  # a second copy in the batch is a redelivery
                    with span_of(record):
                        await step.run(uow)
            await uow.commit()
        for _, topic, _ in steps:
            CONSUMED.labels(topic, "processed").inc()

    async def handle_or_dead_letter(record: ConsumerRecord, topic: str) -> None:
        try:
            event = decode(record.value or b"")
        except InvalidEventError as exc:
            await dead_letter(record, topic, exc)
            return
        handler = handlers[topic]
        for attempt in range(1, max_attempts + 1):
            try:
                await handler(event)
            except Exception as exc:  # classified below: one bad event must not stop us
                kind = classify(exc)
                if kind is ErrorClass.TRANSIENT:
                    raise
                if kind is ErrorClass.POISON or attempt == max_attempts:
                    await dead_letter(record, topic, exc)
                    return
                log.warning(
                    "attempt %s on %s failed: %s: %s",
                    attempt,
                    topic,
                    type(exc).__name__,
                    describe_error(exc, personal=carries_personal_data(topic)),
                )
                await asyncio.sleep(retry_delay * attempt)
            else:
                CONSUMED.labels(topic, "processed").inc()
                return

    subscription = Subscription(
        group_id,
        deal_with,
        topics=by_physical,
        commit_interval=commit_interval,
        backoff_initial=backoff_initial,
        backoff_max=backoff_max,
        batch=deal_with_batch,
        batch_key=batch_key,
        batch_max=batch_max,
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
        listener=subscription.commits,
        title=group_id,
    )
    async def consume(msg: KafkaMessage) -> None:
        subscription.dispatch(msg.consumer, cast(tuple[ConsumerRecord, ...], msg.raw_message))

    return subscription


def dead_letter_record(
    record: ConsumerRecord, group_id: str, error: BaseException, text: str, *, personal: bool
) -> tuple[bytes, bytes | None, dict[str, str]]:
    """Value, key and headers of a record's dead letter.

    Of a personal-data topic: the coordinates and the error only, neither key nor headers of
    the original (a producer may put anything there). Of any other topic: the record whole.
    """
    coordinates = {
        dead_letters.ERROR: text,
        dead_letters.ERROR_TYPE: type(error).__name__,
        dead_letters.TOPIC: record.topic,
        dead_letters.PARTITION: str(record.partition),
        dead_letters.OFFSET: str(record.offset),
        dead_letters.GROUP: group_id,
    }
    if personal:
        letter = dead_letters.DeadLetter(
            topic=record.topic,
            partition=record.partition,
            offset=record.offset,
            group=group_id,
            error_type=type(error).__name__,
            error=text,
            record_time=(
                datetime.fromtimestamp(record.timestamp / 1000, UTC)
                if record.timestamp is not None and record.timestamp >= 0
                else None
            ),
            dead_lettered_at=datetime.now(UTC),
        )
        return letter.to_bytes(), None, coordinates
    headers = {k: v.decode(errors="replace") for k, v in record.headers or []}
    return record.value or b"", record.key, headers | coordinates


@dataclass(frozen=True)
class InboxStep:
    """An event's part in a shared transaction: its inbox claim and its use case on the unit."""

    event_id: UUID
    topic: str
    run: Callable[[Any], Awaitable[None]]


class InboxHandling:
    """A handler whose event runs in a unit of work with its inbox claim (`with_inbox`).

    Called with an event, it runs in a transaction of its own. The consumer may instead run
    several events, whose handlers share `uow_factory`, in one transaction through `step`,
    unless `batchable` is False.
    """

    uow_factory: Callable[[], PgUnitOfWork]
    batchable: bool

    def step(self, event: CloudEvent) -> InboxStep:
        """Parse the event's payload (raising InvalidEventError) and bind its use case."""
        raise NotImplementedError

    async def __call__(self, event: CloudEvent) -> None:
        """Handle one event in a transaction of its own, once per event id."""
        step = self.step(event)
        async with self.uow_factory() as uow:
            if not await uow.claim(step.event_id, step.topic):
                return
            await step.run(uow)
            await uow.commit()


class InboxHandler(InboxHandling, Generic[U, D]):
    """`with_inbox`'s handler: one payload model and its use case."""

    def __init__(
        self,
        uow_factory: Callable[[], U],
        model: type[D],
        use_case: Callable[[U, D, CloudEvent], Awaitable[None]],
        *,
        batchable: bool = True,
    ) -> None:
        self.uow_factory = uow_factory
        self.model = model
        self.use_case = use_case
        self.batchable = batchable

    def step(self, event: CloudEvent) -> InboxStep:
        """Parse the event's payload (raising InvalidEventError) and bind its use case."""
        data = event.payload_as(self.model)
        use_case = self.use_case

        async def run(uow: U) -> None:
            await use_case(uow, data, event)

        return InboxStep(event.id, self.model.topic, run)


class InboxHandlersByType(InboxHandling):
    """One topic carrying several event types: each type's `with_inbox` handler, else `default`.

    Batchable when every one of them is and all share one unit-of-work factory.
    """

    def __init__(self, default: InboxHandling, by_type: Mapping[str, InboxHandling]) -> None:
        self.default = default
        self.by_type = dict(by_type)
        self.uow_factory = default.uow_factory
        members = [default, *self.by_type.values()]
        self.batchable = all(m.batchable and m.uow_factory == default.uow_factory for m in members)

    def step(self, event: CloudEvent) -> InboxStep:
        """The step of the handler of the event's type."""
        return self.by_type.get(event.type, self.default).step(event)

    async def __call__(self, event: CloudEvent) -> None:
        """Handle one event with the handler of its type, in a transaction of its own."""
        await self.by_type.get(event.type, self.default)(event)


def with_inbox(
    uow_factory: Callable[[], U],
    model: type[D],
    use_case: Callable[[U, D, CloudEvent], Awaitable[None]],
    *,
    batchable: bool = True,
) -> InboxHandler[U, D]:
    """Run a use case in one transaction that also records the event id, once per event.

    The consumer runs consecutive events of a lane whose handlers share `uow_factory` in one
    transaction (see the module's docstring). Pass `batchable=False` for a use case that cannot
    be re-run after a rollback of the events before it, or that must commit alone: it then
    always runs in a transaction of its own.
    """
    return InboxHandler(uow_factory, model, use_case, batchable=batchable)
