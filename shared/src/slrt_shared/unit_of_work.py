"""A unit of work over one Postgres transaction that also carries the events it raises."""

from __future__ import annotations

from collections.abc import Sequence
from types import TracebackType
from typing import Self
from uuid import UUID

import asyncpg
from asyncpg.transaction import Transaction

from slrt_shared import inbox, outbox
from slrt_shared.contracts.envelope import CloudEvent
from slrt_shared.contracts.events import BY_EVENT_TYPE
from slrt_shared.contracts.topics import TopicLayout


def contract_topic(event: CloudEvent) -> str:
    """The contract topic an event's type is published on (an agency's own, for its copies)."""
    model = BY_EVENT_TYPE.get(event.type)
    if model is None:
        raise ValueError(f"no topic carries events of type {event.type!r}")
    if "{" not in model.topic:
        return model.topic
    # A per-agency topic (agency.{agency_code}.referrals) is named by the event's own data.
    try:
        return model.topic.format_map(event.data)
    except (KeyError, ValueError) as exc:
        raise ValueError(f"{event.type}: no {exc} in the data to name its topic") from exc


class PgUnitOfWork:
    """Opens a transaction; `announce` (or `emit`) queues events that reach the outbox at commit."""

    def __init__(self, pool: asyncpg.Pool, layout: TopicLayout) -> None:
        self._pool = pool
        self.layout = layout
        self._conn: asyncpg.pool.PoolConnectionProxy | None = None
        self._tx: Transaction | None = None
        self._pending: list[tuple[str, CloudEvent]] = []
        # the trace each event was raised in: one transaction may serve a batch of records
        self._traces: list[str] = []
        self._finished = False

    @property
    def conn(self) -> asyncpg.Connection:
        """The connection of the open transaction."""
        if self._conn is None:
            raise RuntimeError("unit of work is not open")
        return self._conn

    async def __aenter__(self) -> Self:
        self._conn = await self._pool.acquire()
        self._tx = self._conn.transaction()
        try:
            await self._tx.start()
        except BaseException:
            await self._pool.release(self._conn)
            self._conn = None
            raise
        self._pending = []
        self._traces = []
        self._finished = False
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            if self._tx is not None and not self._finished:
                await self._tx.rollback()
        except Exception:
            # A rollback fails when the transaction was cut off mid-statement (a cancelled
            # commit); the original exception, often the cancellation itself, must win.
            if exc is None:
                raise
        finally:
            if self._conn is not None:
                await self._pool.release(self._conn)
            self._conn = None
            self._tx = None

    def announce(self, event: CloudEvent) -> str:
        """Queue an event for the topic of its type; return the topic's physical name."""
        physical = self.layout.name(contract_topic(event))
        self.emit_raw(physical, event)
        return physical

    def emit(self, topic: str, event: CloudEvent) -> None:
        """Queue an event for the contract topic; it is saved with the transaction."""
        self.emit_raw(self.layout.name(topic), event)

    def emit_raw(self, physical_topic: str, event: CloudEvent) -> None:
        """Queue an event for a topic already named in full (e.g. an agency's own topic)."""
        self._pending.append((physical_topic, event))
        self._traces.append(outbox.trace_headers())

    async def claim(self, event_id: UUID, topic: str) -> bool:
        """Mark an incoming event processed; False if it was processed before."""
        return await inbox.claim(self.conn, event_id, topic)

    async def claim_all(self, claims: Sequence[tuple[UUID, str]]) -> set[UUID]:
        """Mark incoming events (id, topic) processed at once; the ids not processed before."""
        return await inbox.claim_all(self.conn, claims)

    async def commit(self) -> None:
        """Write queued events to the outbox and commit."""
        if self._tx is None:
            raise RuntimeError("unit of work is not open")
        # one statement saves the events and wakes the relay, however many there are
        await outbox.enqueue_all(self.conn, self._pending, self._traces)
        self._pending = []
        self._traces = []
        await self._tx.commit()
        self._finished = True

    async def rollback(self) -> None:
        """Drop the transaction and the queued events."""
        self._pending = []
        self._traces = []
        if self._tx is not None and not self._finished:
            await self._tx.rollback()
        self._finished = True


class ConnectionAnnouncer:
    """`announce` for a transaction a command already holds on a connection (a seed, an admin
    command): the events reach the outbox with `flush`, before that transaction commits."""

    def __init__(self, conn: asyncpg.Connection, layout: TopicLayout) -> None:
        self._connection = conn
        self.layout = layout
        self._pending: list[tuple[str, CloudEvent]] = []

    @property
    def conn(self) -> asyncpg.Connection:
        """The command's connection, its transaction open."""
        return self._connection

    def announce(self, event: CloudEvent) -> str:
        """Queue an event for the topic of its type; return the topic's physical name."""
        physical = self.layout.name(contract_topic(event))
        self._pending.append((physical, event))
        return physical

    async def flush(self) -> None:
        """Write the queued events to the outbox in the connection's transaction."""
        await outbox.enqueue_all(self.conn, self._pending)
        self._pending = []
