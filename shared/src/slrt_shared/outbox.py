"""Transactional outbox: events are saved with the state change, then relayed to Kafka.

The relay publishes a batch key by key: the rows of one key (one complaint) one after another,
each sent only once the broker has acknowledged the one before, and the keys side by side. A row
that cannot be published (a topic that does not exist yet, an ACL refusal, a record too large,
no acknowledgement in time) is parked: it stays in the outbox with its error, its attempts and
the time of its next try, the rows of its key wait behind it, and every other key goes on.
Published rows leave the outbox in the pass that published them, so nothing is sent twice by a
failure elsewhere in the batch.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import asyncpg
from aiokafka import AIOKafkaProducer
from aiokafka.errors import (
    KafkaConnectionError,
    KafkaError,
    TopicAuthorizationFailedError,
    UnknownTopicOrPartitionError,
)
from opentelemetry import context as otel_context
from opentelemetry import propagate, trace
from prometheus_client import Counter, Gauge

from slrt_shared.contracts.envelope import CONTENT_TYPE, CloudEvent
from slrt_shared.telemetry import tracing_on
from slrt_shared.waiting import wait_set

log = logging.getLogger(__name__)
tracer = trace.get_tracer("slrt.outbox")

# One channel per schema: the services share a database, and a relay woken by another
# service's commit would only find its own outbox empty.
NOTIFY_SQL = "SELECT pg_notify('slrt_outbox_' || current_schema(), '')"
# The backlog gauges count at most this many rows, so a pass stays cheap however long the
# outbox grows while Kafka is away; the age of the oldest row tells the rest.
COUNT_CAP = 10_000

PUBLISHED = Counter("slrt_outbox_published_total", "Events relayed from the outbox", ["topic"])
PENDING = Gauge(
    "slrt_outbox_pending", f"Events in the outbox not yet published (counted up to {COUNT_CAP})"
)
PARKED = Gauge(
    "slrt_outbox_parked",
    f"Events the relay could not publish, kept for a retry (counted up to {COUNT_CAP})",
)
OLDEST_AGE = Gauge(
    "slrt_outbox_oldest_age_seconds", "Age of the oldest event in the outbox (0 when empty)"
)
PUBLISH_FAILURES = Counter(
    "slrt_outbox_publish_failures_total",
    "Failed publishes of an outbox event, each parking it until its next try",
    ["topic", "error"],
)

# Rows in commit order, but none of a key that has a parked row not yet due: those wait.
_DUE_ROWS = """
SELECT id, topic, key, value, headers FROM outbox o
WHERE NOT EXISTS (
    SELECT 1 FROM outbox p
    WHERE p.key = o.key AND p.next_attempt_at IS NOT NULL AND p.next_attempt_at > now())
ORDER BY id LIMIT $1
"""
_PARK = """
UPDATE outbox o SET
    attempts = o.attempts + 1,
    last_error = f.error,
    first_failed_at = coalesce(o.first_failed_at, now()),
    last_failed_at = now(),
    next_attempt_at = now()
        + least($4::float8, $3::float8 * power(2, least(o.attempts, 30))) * interval '1 second'
FROM unnest($1::bigint[], $2::text[]) AS f(id, error)
WHERE o.id = f.id
RETURNING o.id, o.topic, o.attempts, o.next_attempt_at
"""
_BACKLOG = f"""
SELECT
    (SELECT count(*) FROM (SELECT 1 FROM outbox LIMIT {COUNT_CAP}) s) AS pending,
    (SELECT count(*) FROM (SELECT 1 FROM outbox WHERE next_attempt_at IS NOT NULL
                           LIMIT {COUNT_CAP}) s) AS parked,
    (SELECT extract(epoch FROM now() - created_at) FROM outbox ORDER BY id LIMIT 1) AS oldest
"""


# Every event of a transaction in one statement, and one NOTIFY with them: one round trip
# however many events the transaction raised. Rows get their ids in the order given.
_ENQUEUE = """
WITH saved AS (
    INSERT INTO outbox (event_id, topic, key, value, headers)
    SELECT e.event_id, e.topic, e.key, e.value, e.headers::jsonb
    FROM unnest($1::uuid[], $2::text[], $3::bytea[], $4::bytea[], $5::text[])
        WITH ORDINALITY AS e(event_id, topic, key, value, headers, n)
    ORDER BY e.n
    RETURNING 1
)
SELECT pg_notify('slrt_outbox_' || current_schema(), '') FROM (SELECT count(*) FROM saved) s
"""


def trace_headers() -> str:
    """The current trace context as an outbox row's headers (JSON)."""
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    return json.dumps(carrier)


async def enqueue_all(
    conn: asyncpg.Connection,
    events: Sequence[tuple[str, CloudEvent]],
    traces: Sequence[str] | None = None,
) -> None:
    """Save (topic, event) pairs to the outbox in the caller's transaction and wake the relay.

    One statement for all of them; the relay's NOTIFY is sent once, when the transaction commits.
    Each event carries its entry of `traces` (`trace_headers()` where it was raised), else the
    trace of the request or event that runs now.
    """
    if not events:
        return
    headers = list(traces) if traces is not None else [trace_headers()] * len(events)
    await conn.execute(
        _ENQUEUE,
        [event.id for _, event in events],
        [topic for topic, _ in events],
        [event.key for _, event in events],
        [event.to_bytes() for _, event in events],
        headers,
    )


async def enqueue(conn: asyncpg.Connection, topic: str, event: CloudEvent) -> None:
    """Save an event to the outbox inside the caller's transaction (and wake the relay)."""
    await enqueue_all(conn, [(topic, event)])


async def notify(conn: asyncpg.Connection) -> None:
    """Wake the relay when the surrounding transaction commits."""
    await conn.execute(NOTIFY_SQL)


def notify_channel(schema: str) -> str:
    """The channel on which commits to a schema's outbox are announced."""
    return f"slrt_outbox_{schema}"


def idempotent_producer(
    bootstrap_servers: str, client_id: str, **security: Any
) -> AIOKafkaProducer:
    """Create the producer the relay uses: idempotent, acks from all in-sync replicas."""
    return AIOKafkaProducer(
        bootstrap_servers=bootstrap_servers,
        client_id=client_id,
        enable_idempotence=True,
        acks="all",
        linger_ms=5,
        **security,
    )


class PublishTimeoutError(KafkaError):  # type: ignore[misc]
    """The broker did not acknowledge a record in time (too few in-sync replicas, no leader)."""


@dataclass
class _KeyRun:
    """The rows of one key in a pass, published in order until one fails."""

    rows: list[asyncpg.Record]
    published: list[int] = field(default_factory=list)
    failed: asyncpg.Record | None = None
    error: Exception | None = None
    refused_in_batch: bool = False  # the broker refused the producer batch the row was in

    def fail(self, row: asyncpg.Record, error: Exception, *, in_batch: bool = False) -> None:
        self.failed, self.error, self.refused_in_batch = row, error, in_batch


@dataclass(frozen=True)
class Backlog:
    """What the outbox held at the end of the last relay pass (counts stop at COUNT_CAP)."""

    pending: int = 0
    parked: int = 0
    oldest_age_seconds: float = 0.0


@dataclass(frozen=True)
class Failure:
    """A row the relay could not publish in a pass, and why."""

    row_id: int
    topic: str
    error: Exception


async def measure_backlog(pool: asyncpg.Pool) -> Backlog:
    """Count what waits in the outbox now and update the backlog gauges."""
    row = await pool.fetchrow(_BACKLOG)
    backlog = Backlog(row["pending"], row["parked"], float(row["oldest"] or 0))
    PENDING.set(backlog.pending)
    PARKED.set(backlog.parked)
    OLDEST_AGE.set(backlog.oldest_age_seconds)
    return backlog


class OutboxRelay:
    """Publishes the outbox in commit order; one relay at a time per schema holds the lock."""

    def __init__(
        self,
        pool: asyncpg.Pool,
        producer: AIOKafkaProducer,
        *,
        schema: str,
        batch_size: int = 500,
        idle_wait: float = 1.0,
        ack_timeout: float = 10.0,
        retry_first: float = 1.0,
        retry_max: float = 300.0,
        producer_factory: Callable[[], AIOKafkaProducer] | None = None,
    ) -> None:
        self._pool = pool
        self._producer = producer
        self._producer_factory = producer_factory
        self._lock_key = f"outbox:{schema}"
        self._in_flight_key = f"outbox-in-flight:{schema}"
        # Held (a session lock on a connection of its own) while sends of this relay's producer
        # are still unacknowledged: no other member may relay until they end, or its sends of
        # the same rows and the rows behind them could reach the topic before this producer's.
        self._in_flight_lease: asyncpg.pool.PoolConnectionProxy | None = None
        # The connection holding the outbox's lock while `run` leads (None: not leading).
        self._leader: asyncpg.pool.PoolConnectionProxy | None = None
        self._channel = notify_channel(schema)
        self._batch_size = batch_size
        self._idle_wait = idle_wait
        self._ack_timeout = ack_timeout
        self._retry_first = retry_first
        self._retry_max = retry_max
        self._wake = asyncio.Event()
        self._stopping = False
        # Sends not acknowledged in time, by row id: the producer keeps trying them, so the
        # row's next try waits on the same delivery instead of sending the record twice.
        self._unconfirmed: dict[int, asyncio.Future[Any]] = {}
        self._backlog = Backlog()

    async def run(self) -> None:
        """Relay until stopped, waking on NOTIFY and polling as a safety net.

        The relay that takes the outbox's lock keeps it, on a connection of its own, for as
        long as it runs: its passes run on that connection and ask for no lock. A leader that
        dies takes its session, and the lock, with it; the others try for it on every wake.
        """
        listener = await self._pool.acquire()
        try:
            await listener.add_listener(self._channel, self._on_notify)
            while not self._stopping:
                # Cleared before the pass, so a NOTIFY that arrives during it is not lost.
                self._wake.clear()
                try:
                    if self._leader is None:
                        await self._lead()
                    sent = await self.relay_once()
                except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, KafkaError) as exc:
                    log.warning("outbox relay pass failed, retrying: %s", exc)
                    sent = 0
                    await self._resign()  # its connection may be gone: contend again
                    await asyncio.sleep(self._idle_wait)
                except Exception:
                    log.exception("outbox relay pass failed, retrying")
                    sent = 0
                    await self._resign()
                    await asyncio.sleep(self._idle_wait)
                if sent < self._batch_size:
                    await wait_set(self._wake, self._idle_wait)
        finally:
            try:
                await listener.remove_listener(self._channel, self._on_notify)
                await self._pool.release(listener)
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
                # a listener cut on the way (a failover) is already gone from the pool
                log.warning("outbox listener not closed cleanly: %s", exc)
            finally:
                try:
                    await self._resign()
                finally:
                    await self._end_lease()

    @property
    def leading(self) -> bool:
        """Whether this relay holds the outbox's lock across its passes."""
        return self._leader is not None

    async def _lead(self) -> None:
        """Take the outbox's lock for the life of the relay, if no other member holds it."""
        conn = await self._pool.acquire()
        try:
            taken = await conn.fetchval("SELECT pg_try_advisory_lock(hashtext($1))", self._lock_key)
        except BaseException:
            await self._pool.release(conn)
            raise
        if taken:
            self._leader = conn
        else:
            await self._pool.release(conn)

    async def _resign(self) -> None:
        """Give the outbox's lock up (the pool keeps session state: it is unlocked first).

        Never raises: it runs after a failed pass, whose connection may be cut in any way
        (asyncpg reports some cuts as an internal client error), and the relay must go on.
        """
        conn, self._leader = self._leader, None
        if conn is None:
            return
        try:
            await conn.execute("SELECT pg_advisory_unlock(hashtext($1))", self._lock_key)
        except Exception as exc:  # noqa: BLE001 - whatever the cut, the session must end
            log.warning("outbox lock not given up by its session, ending it: %r", exc)
            # A session that ends takes its lock with it; a cut one the pool has already let go.
            with contextlib.suppress(Exception):
                conn.terminate()
        try:
            await self._pool.release(conn)
        except Exception as exc:  # noqa: BLE001 - the pool replaces a connection it cannot keep
            log.warning("outbox leader connection not returned to the pool: %r", exc)

    @property
    def backlog(self) -> Backlog:
        """The outbox's backlog as the last pass saw it, for readiness and operators."""
        return self._backlog

    @property
    def producer(self) -> AIOKafkaProducer:
        """The producer the relay sends with now (it replaces one the broker refused a batch of)."""
        return self._producer

    def stop(self) -> None:
        """Ask the relay to finish its current pass and return."""
        self._stopping = True
        self._wake.set()

    async def relay_once(self) -> int:
        """Publish one batch, delete what was published and park what was not.

        Returns how many rows the pass dealt with (published or parked); the rows waiting behind
        a parked row of their key are left as they are.
        """
        try:
            return await self._pass()
        finally:
            await self._hold_lease_while_in_flight()
            await self._report_backlog()

    async def _hold_lease_while_in_flight(self) -> None:
        """Keep other members from relaying while a send of this producer may still land."""
        in_flight = any(not delivery.done() for delivery in self._unconfirmed.values())
        try:
            if in_flight and self._in_flight_lease is None:
                lease = await self._pool.acquire()
                if await lease.fetchval(
                    "SELECT pg_try_advisory_lock(hashtext($1))", self._in_flight_key
                ):
                    self._in_flight_lease = lease
                else:
                    await self._pool.release(lease)
            elif not in_flight and self._in_flight_lease is not None:
                await self._end_lease()
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            # A lost connection ends its session lock with it; the next pass takes a new one.
            log.warning("outbox in-flight lease not updated: %s", exc)
            await self._end_lease()

    async def _end_lease(self) -> None:
        """Give the in-flight lock up and its connection back (the pool keeps session state)."""
        lease, self._in_flight_lease = self._in_flight_lease, None
        if lease is None:
            return
        try:
            with contextlib.suppress(OSError, asyncpg.PostgresError, asyncpg.InterfaceError):
                await lease.execute("SELECT pg_advisory_unlock_all()")
        finally:
            await self._pool.release(lease)

    async def _pass(self) -> int:
        if self._leader is not None:
            async with self._leader.transaction():
                return await self._relay_on(self._leader)
        async with self._pool.acquire() as conn, conn.transaction():
            locked = await conn.fetchval(
                "SELECT pg_try_advisory_xact_lock(hashtext($1))", self._lock_key
            )
            if not locked:
                return 0
            return await self._relay_on(conn)

    async def _relay_on(self, conn: asyncpg.Connection) -> int:
        """One pass in the transaction of a connection that holds the outbox's lock."""
        if self._in_flight_lease is None and not await conn.fetchval(
            "SELECT pg_try_advisory_xact_lock_shared(hashtext($1))", self._in_flight_key
        ):
            return 0  # another member's sends are still under way
        rows = await conn.fetch(_DUE_ROWS, self._batch_size)
        if not rows:
            return 0
        published, failures = await self._publish(rows)
        if published:
            await conn.execute("DELETE FROM outbox WHERE id = ANY($1::bigint[])", published)
        if failures:
            await self._park(conn, failures)
        return len(published) + len(failures)

    async def _publish(self, rows: Sequence[asyncpg.Record]) -> tuple[list[int], list[Failure]]:
        """Publish rows key by key; return the ids published and the rows that failed."""
        runs: dict[bytes, _KeyRun] = {}
        for row in rows:
            runs.setdefault(bytes(row["key"]), _KeyRun([])).rows.append(row)
        topic_errors = await self._check_topics({row["topic"] for row in rows})
        await asyncio.gather(*(self._run_key(run, topic_errors) for run in runs.values()))
        refused = [run for run in runs.values() if run.refused_in_batch]
        if refused:
            # A refused producer batch fails every record in it, the good ones beside the bad one:
            # each such key goes again alone, so only a row the broker refuses by itself is parked.
            await self._renew_producer()
            for run in refused:
                await self._run_key(run, topic_errors)
            if any(run.refused_in_batch for run in refused):
                await self._renew_producer()
        published = [row_id for run in runs.values() for row_id in run.published]
        failures = [
            Failure(run.failed["id"], run.failed["topic"], run.error)
            for run in runs.values()
            if run.failed is not None and run.error is not None
        ]
        if failures and not published and await self._broker_unreachable(failures):
            # Kafka is away, not the rows at fault: they stay as they are, nothing is parked.
            raise KafkaConnectionError("no Kafka broker answered; the outbox waits for it")
        return published, failures

    async def _run_key(self, run: _KeyRun, topic_errors: dict[str, Exception]) -> None:
        """Publish a key's rows one after another, stopping at the first that fails."""
        run.failed, run.error, run.refused_in_batch = None, None, False
        for row in run.rows[len(run.published) :]:
            try:
                delivery = await self._delivery(row, topic_errors)
            except Exception as exc:  # noqa: BLE001 - a row that cannot go is parked, whatever why
                run.fail(row, exc)
                return
            done, _ = await asyncio.wait({delivery}, timeout=self._ack_timeout)
            if not done:
                self._unconfirmed[row["id"]] = delivery
                run.fail(row, PublishTimeoutError(f"no acknowledgement in {self._ack_timeout:g} s"))
                return
            error = _failure_of(delivery)
            if error is not None:
                run.fail(row, error, in_batch=True)
                return
            run.published.append(row["id"])
            PUBLISHED.labels(row["topic"]).inc()

    async def _delivery(
        self, row: asyncpg.Record, topic_errors: dict[str, Exception]
    ) -> asyncio.Future[Any]:
        """The delivery of a row: a send still under way from an earlier pass, or a new one."""
        if row["topic"] in topic_errors:
            raise topic_errors[row["topic"]]
        earlier = self._unconfirmed.pop(row["id"], None)
        if earlier is not None and (not earlier.done() or _failure_of(earlier) is None):
            return earlier
        try:
            # Cancelling a send that waits for buffer space leaves nothing behind (aiokafka).
            return await asyncio.wait_for(self._send(row), self._ack_timeout)
        except TimeoutError:
            raise PublishTimeoutError(
                f"the producer took no record for {self._ack_timeout:g} s"
            ) from None

    async def _send(self, row: asyncpg.Record) -> asyncio.Future[Any]:
        carrier = json.loads(row["headers"])
        if not tracing_on():
            # No span to build: the record carries on the trace its event was saved in, if any.
            future: asyncio.Future[Any] = await self._producer.send(
                row["topic"],
                value=bytes(row["value"]),
                key=bytes(row["key"]),
                headers=_record_headers({"content-type": CONTENT_TYPE, **carrier}),
            )
            return future
        token = otel_context.attach(propagate.extract(carrier))
        try:
            with tracer.start_as_current_span(
                f"{row['topic']} publish", kind=trace.SpanKind.PRODUCER
            ) as span:
                span.set_attribute("messaging.system", "kafka")
                span.set_attribute("messaging.destination.name", row["topic"])
                headers: dict[str, Any] = {"content-type": CONTENT_TYPE}
                propagate.inject(headers)
                future = await self._producer.send(
                    row["topic"],
                    value=bytes(row["value"]),
                    key=bytes(row["key"]),
                    headers=_record_headers(headers),
                )
                return future
        finally:
            otel_context.detach(token)

    async def _check_topics(self, topics: Iterable[str]) -> dict[str, Exception]:
        """Find the topics the cluster does not have or refuses us, by one metadata request.

        The producer would wait for a missing topic's metadata for its whole request timeout
        before each send; asked here, the answer comes in one round trip.
        """
        client = self._producer.client
        unknown = [t for t in topics if client.cluster.partitions_for_topic(t) is None]
        if not unknown:
            return {}
        answered = await asyncio.wait_for(
            asyncio.gather(*(client.add_topic(t) for t in unknown)), self._ack_timeout
        )
        if any(client.cluster.partitions_for_topic(t) is None for t in unknown):
            # An update already under way when the topics were added did not ask for them.
            answered = [await asyncio.wait_for(client.force_metadata_update(), self._ack_timeout)]
        if not all(answered):
            raise KafkaConnectionError("no Kafka broker answered a metadata request")
        errors: dict[str, Exception] = {}
        for topic in unknown:
            if client.cluster.partitions_for_topic(topic) is not None:
                continue
            if topic in client.cluster.unauthorized_topics:
                errors[topic] = TopicAuthorizationFailedError(topic)
            else:
                errors[topic] = UnknownTopicOrPartitionError(f"topic {topic} does not exist")
        return errors

    async def _broker_unreachable(self, failures: Sequence[Failure]) -> bool:
        """Whether a pass that published nothing failed because no broker answers at all."""
        if not all(isinstance(f.error, PublishTimeoutError) for f in failures):
            return False
        try:
            updated = await asyncio.wait_for(
                self._producer.client.force_metadata_update(), self._ack_timeout
            )
        except TimeoutError:
            return True
        return not updated

    async def _renew_producer(self) -> None:
        """Send with a new producer from now on.

        The idempotent producer numbered the records of a refused batch, which the broker never
        wrote: every later batch to that partition would be refused as out of sequence. A new
        producer starts its numbering afresh.
        """
        if self._producer_factory is None:
            log.error("Kafka refused a batch; restart the service to renew its outbox producer")
            return
        fresh = self._producer_factory()
        await fresh.start()
        stale, self._producer = self._producer, fresh
        try:
            await asyncio.wait_for(stale.stop(), self._ack_timeout)
        except TimeoutError:
            log.warning("the replaced outbox producer still had unacknowledged records")
        # Deliveries the old producer completed still count; those it never will are sent again.
        self._unconfirmed = {
            row_id: delivery
            for row_id, delivery in self._unconfirmed.items()
            if delivery.done() and _failure_of(delivery) is None
        }

    async def _park(self, conn: asyncpg.Connection, failures: Sequence[Failure]) -> None:
        parked = await conn.fetch(
            _PARK,
            [f.row_id for f in failures],
            [_describe(f.error) for f in failures],
            self._retry_first,
            self._retry_max,
        )
        errors = {f.row_id: f.error for f in failures}
        for row in parked:
            error = errors[row["id"]]
            PUBLISH_FAILURES.labels(row["topic"], type(error).__name__).inc()
            log.warning(
                "outbox event %s for %s parked after %d failed attempt(s), next try at %s: %s",
                row["id"],
                row["topic"],
                row["attempts"],
                row["next_attempt_at"].isoformat(),
                _describe(error),
            )

    async def _report_backlog(self) -> None:
        """Update the backlog gauges, whichever relay holds the lock."""
        self._backlog = await measure_backlog(self._pool)

    def _on_notify(self, *_: object) -> None:
        self._wake.set()


def _record_headers(headers: dict[str, Any]) -> list[tuple[str, bytes]]:
    """Kafka record headers from the text values of a carrier."""
    return [(k, str(v).encode()) for k, v in headers.items()]


def _failure_of(delivery: asyncio.Future[Any]) -> Exception | None:
    """The error a finished delivery ended with, if any."""
    if delivery.cancelled():
        return PublishTimeoutError("the send was cancelled")
    error = delivery.exception()
    if error is None or isinstance(error, Exception):
        return error
    raise error


def _describe(error: Exception) -> str:
    """Error class and message, as the outbox keeps and lists them."""
    text = str(error).strip()
    name = type(error).__name__
    return (text if name in text else f"{name}: {text}" if text else name)[:1000]
