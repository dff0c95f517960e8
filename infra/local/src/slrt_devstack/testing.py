"""Helpers tests share: waiting for an outcome, and reading a topic to its current end."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable, Iterator
from contextvars import ContextVar
from typing import Any, TypeVar

import asyncpg
from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from slrt_shared.consumer import InboxHandling
from slrt_shared.contracts import dead_letters
from slrt_shared.contracts.topics import TopicLayout, carries_personal_data

T = TypeVar("T")


async def eventually(probe: Callable[[], Awaitable[T]], within: float = 30) -> T:
    """Poll an async probe until it returns something truthy; return it."""
    deadline = time.monotonic() + within
    last: Any = None
    while time.monotonic() < deadline:
        last = await probe()
        if last:
            return last  # type: ignore[no-any-return]
        await asyncio.sleep(0.2)
    raise AssertionError(f"not reached in {within}s; last value: {last!r}")


async def read_records(bootstrap: str, physical_topic: str) -> list[ConsumerRecord[Any, Any]]:
    """Every record of a topic, from its first offset to its end at the time of the call."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        [described] = await admin.describe_topics([physical_topic])
    finally:
        await admin.close()
    partitions = [TopicPartition(physical_topic, p["partition"]) for p in described["partitions"]]
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        end = await consumer.end_offsets(partitions)
        records: list[ConsumerRecord[Any, Any]] = []
        while [tp for tp in partitions if await consumer.position(tp) < end[tp]]:
            for batch in (await consumer.getmany(timeout_ms=1000)).values():
                records += batch
        return records
    finally:
        await consumer.stop()


async def dead_letter_contents(
    bootstrap: str, layout: TopicLayout, topic: str, letters: list[ConsumerRecord[Any, Any]]
) -> list[bytes]:
    """The original value each dead letter of a contract topic stands for.

    A dead letter of a topic without personal data is a copy; one of a personal-data topic
    holds only the coordinates, so the original is read from its topic (b"" once it is gone).
    """
    if not carries_personal_data(topic):
        return [letter.value or b"" for letter in letters]
    source = {
        (r.partition, r.offset): r.value or b""
        for r in await read_records(bootstrap, layout.name(topic))
    }
    found = []
    for letter in letters:
        headers = dict(letter.headers)
        at = (int(headers[dead_letters.PARTITION]), int(headers[dead_letters.OFFSET]))
        found.append(source.get(at, b""))
    return found


_COUNTED: ContextVar[list[str] | None] = ContextVar("counted", default=None)
# asyncpg's own reading of a type's codec (and its switching JIT off around it): sent once per
# connection and type, on whichever request first meets the type there, so not the request's.
_DRIVER_INTROSPECTION = ("typeinfo_tree", "set_config('jit'")


def _log_statement(record: Any) -> None:
    # asyncpg calls loggers with call_soon, in a copy of the context that sent the statement.
    counted = _COUNTED.get()
    if counted is not None and not any(m in record.query for m in _DRIVER_INTROSPECTION):
        counted.append(" ".join(record.query.split()))


def log_statements_of_new_pools() -> Callable[[], None]:
    """Make every asyncpg pool opened from now on log its statements; returns the undo."""
    real = asyncpg.create_pool

    def create_pool(*args: Any, **kwargs: Any) -> Any:
        async def init(conn: asyncpg.Connection) -> None:
            conn.add_query_logger(_log_statement)

        return real(*args, init=init, **kwargs)

    asyncpg.create_pool = create_pool

    def undo() -> None:
        asyncpg.create_pool = real

    return undo


@contextlib.contextmanager
def counting_statements() -> Iterator[list[str]]:
    """The statements logged pools send for what runs inside (in this context and its tasks)."""
    counted: list[str] = []
    token = _COUNTED.set(counted)
    try:
        yield counted
    finally:
        _COUNTED.reset(token)


def assert_batchable(handlers: list[Any]) -> None:
    """Every handler is a batchable inbox handler of one unit-of-work factory (see consumer.py)."""
    assert handlers
    # with_inbox handlers of one factory: the consumer batches them (see slrt_shared.consumer)
    assert all(isinstance(h, InboxHandling) and h.batchable for h in handlers), handlers
    first = handlers[0]
    assert isinstance(first, InboxHandling)
    assert all(
        isinstance(h, InboxHandling) and h.uow_factory == first.uow_factory for h in handlers
    )


# Each service's Python package, by the name its consumer group and chart use.
SERVICE_PACKAGES: dict[str, str] = {
    "intake": "intake",
    "referral": "referral",
    "agency-gateway": "gateway",
    "monitoring": "monitoring",
}


def consumed_by_code(service: str) -> list[str]:
    """The contract topics a service's code subscribes to, in order: read from its app."""
    import importlib
    import os

    package = SERVICE_PACKAGES[service]
    # Building the app opens nothing; it only needs a database URL to be given.
    os.environ.setdefault(f"{package.upper()}_DATABASE_URL", "postgresql://unused@localhost/x")
    app = importlib.import_module(f"{package}.app")
    return sorted(app.build()[0].consumed_topics)
