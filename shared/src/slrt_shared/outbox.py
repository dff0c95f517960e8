"""Transactional outbox: events are saved with the state change, then relayed to Kafka."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Sequence
from typing import Any

import asyncpg
from aiokafka import AIOKafkaProducer
from opentelemetry import context as otel_context
from opentelemetry import propagate, trace
from prometheus_client import Counter, Gauge

from slrt_shared.contracts.envelope import CONTENT_TYPE, CloudEvent

log = logging.getLogger(__name__)
tracer = trace.get_tracer("slrt.outbox")

# One channel per schema: the services share a database, and a relay woken by another
# service's commit would only find its own outbox empty.
NOTIFY_SQL = "SELECT pg_notify('slrt_outbox_' || current_schema(), '')"
PUBLISHED = Counter("slrt_outbox_published_total", "Events relayed from the outbox", ["topic"])
PENDING = Gauge("slrt_outbox_pending", "Events waiting in the outbox at the last relay pass")


async def enqueue(conn: asyncpg.Connection, topic: str, event: CloudEvent) -> None:
    """Save an event to the outbox inside the caller's transaction."""
    carrier: dict[str, str] = {}
    propagate.inject(carrier)  # the trace of the request or event that caused this one
    await conn.execute(
        "INSERT INTO outbox (event_id, topic, key, value, headers) VALUES ($1, $2, $3, $4, $5)",
        event.id,
        topic,
        event.key,
        event.to_bytes(),
        json.dumps(carrier),
    )


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
    ) -> None:
        self._pool = pool
        self._producer = producer
        self._lock_key = f"outbox:{schema}"
        self._channel = notify_channel(schema)
        self._batch_size = batch_size
        self._idle_wait = idle_wait
        self._wake = asyncio.Event()
        self._stopping = False

    async def run(self) -> None:
        """Relay until stopped, waking on NOTIFY and polling as a safety net."""
        listener = await self._pool.acquire()
        try:
            await listener.add_listener(self._channel, self._on_notify)
            while not self._stopping:
                # Cleared before the pass, so a NOTIFY that arrives during it is not lost.
                self._wake.clear()
                try:
                    sent = await self.relay_once()
                except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
                    log.warning("outbox relay pass failed, retrying: %s", exc)
                    sent = 0
                    await asyncio.sleep(self._idle_wait)
                except Exception:
                    log.exception("outbox relay pass failed, retrying")
                    sent = 0
                    await asyncio.sleep(self._idle_wait)
                if sent < self._batch_size:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._wake.wait(), self._idle_wait)
        finally:
            try:
                await listener.remove_listener(self._channel, self._on_notify)
            finally:
                await self._pool.release(listener)

    def stop(self) -> None:
        """Ask the relay to finish its current pass and return."""
        self._stopping = True
        self._wake.set()

    async def relay_once(self) -> int:
        """Publish one batch and delete it from the outbox; return how many were sent."""
        async with self._pool.acquire() as conn, conn.transaction():
            locked = await conn.fetchval(
                "SELECT pg_try_advisory_xact_lock(hashtext($1))", self._lock_key
            )
            if not locked:
                return 0
            rows = await conn.fetch(
                "SELECT id, topic, key, value, headers FROM outbox ORDER BY id LIMIT $1",
                self._batch_size,
            )
            PENDING.set(len(rows))
            if not rows:
                return 0
            await self._publish(rows)
            sent = [r["id"] for r in rows]
            await conn.execute("DELETE FROM outbox WHERE id = ANY($1::bigint[])", sent)
        return len(rows)

    async def _publish(self, rows: Sequence[asyncpg.Record]) -> None:
        futures = []
        for row in rows:
            carrier = json.loads(row["headers"])
            token = otel_context.attach(propagate.extract(carrier))
            try:
                with tracer.start_as_current_span(
                    f"{row['topic']} publish", kind=trace.SpanKind.PRODUCER
                ) as span:
                    span.set_attribute("messaging.system", "kafka")
                    span.set_attribute("messaging.destination.name", row["topic"])
                    headers: dict[str, Any] = {"content-type": CONTENT_TYPE}
                    propagate.inject(headers)
                    futures.append(
                        await self._producer.send(
                            row["topic"],
                            value=bytes(row["value"]),
                            key=bytes(row["key"]),
                            headers=[(k, str(v).encode()) for k, v in headers.items()],
                        )
                    )
            finally:
                otel_context.detach(token)
        await asyncio.gather(*futures)
        for row in rows:
            PUBLISHED.labels(row["topic"]).inc()

    def _on_notify(self, *_: object) -> None:
        self._wake.set()
