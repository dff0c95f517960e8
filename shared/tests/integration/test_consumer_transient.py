"""Transient failures wait with their partition paused; only poison reaches the dead-letter topic.

Everything here runs on the real broker and the real Postgres: the lock, the read-only
database and the refusing dead-letter topic are the servers' own answers.
"""

from __future__ import annotations

import asyncio
import os
from collections import Counter
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any
from uuid import uuid4

import asyncpg
import pytest
import pytest_asyncio
from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType
from aiokafka.errors import MessageSizeTooLargeError
from faststream.kafka import KafkaBroker
from prometheus_client import REGISTRY

from slrt_devstack.testing import eventually, read_records
from slrt_shared.consumer import EventHandler, Subscription, subscribe, with_inbox
from slrt_shared.contracts import topics
from slrt_shared.contracts.envelope import CloudEvent
from slrt_shared.contracts.events import ReferralEscalated
from slrt_shared.contracts.topics import TopicLayout
from slrt_shared.unit_of_work import PgUnitOfWork

from .conftest import committed_to_end, escalation, own_topics

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]

TOPIC = topics.REFERRAL_ESCALATED
CONTENDED_ROW = 0
SCHEMA = "referral"  # the scratch database's schema


async def produce(bootstrap: str, topic: str, partition: int, values: list[bytes]) -> None:
    """Write records to one partition, in order."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    try:
        for value in values:
            await producer.send_and_wait(topic, value=value, key=b"k", partition=partition)
    finally:
        await producer.stop()


async def dead_lettered(bootstrap: str, layout: TopicLayout, group: str) -> list[bytes]:
    """Values this group sent to the test topic's dead-letter topic."""
    records = await read_records(bootstrap, layout.dlq(TOPIC))
    return [r.value for r in records if dict(r.headers).get("dlq-group") == group.encode()]


def transient_failures(error: str) -> float:
    """slrt_consumer_transient_failures_total of the test topic for an error class."""
    value = REGISTRY.get_sample_value(
        "slrt_consumer_transient_failures_total", {"topic": TOPIC, "error": error}
    )
    return value or 0.0


async def start(
    test_env: Any, layout: TopicLayout, handler: EventHandler, group: str
) -> tuple[KafkaBroker, Subscription]:
    """A consumer of the test topic with short backoffs."""
    broker = KafkaBroker(test_env.kafka_bootstrap_servers)
    subscription = subscribe(
        broker,
        layout=layout,
        handlers={TOPIC: handler},
        group_id=group,
        backoff_initial=0.05,
        backoff_max=0.5,
    )
    await broker.start()
    return broker, subscription


async def stop(broker: KafkaBroker, subscription: Subscription) -> None:
    """Stop as the runtime does: the lanes and their commits first, then the broker."""
    await subscription.stop()
    await broker.stop()


@dataclass
class Notes:
    """A use case that logs each event it commits; events in `contended` lock a row first."""

    dsn: str
    pool: asyncpg.Pool
    layout: TopicLayout = field(default_factory=lambda: TopicLayout(""))
    contended: set[str] = field(default_factory=set)
    calls: Counter[tuple[str, str]] = field(default_factory=Counter)  # (consumer, event id)

    def handler(self, consumer: str = "only") -> EventHandler:
        async def use_case(uow: PgUnitOfWork, _: ReferralEscalated, event: CloudEvent) -> None:
            if str(event.id) in self.contended:
                # 55P03 lock_not_available while another session holds the row
                await uow.conn.execute("SET LOCAL lock_timeout = '50ms'")
                await uow.conn.execute(
                    "SELECT 1 FROM notes WHERE id = $1 FOR UPDATE", CONTENDED_ROW
                )
            await uow.conn.execute("INSERT INTO handled (event_id) VALUES ($1)", str(event.id))

        inner = with_inbox(
            lambda: PgUnitOfWork(self.pool, self.layout), ReferralEscalated, use_case
        )

        async def counted(event: CloudEvent) -> None:
            self.calls[(consumer, str(event.id))] += 1
            await inner(event)

        return counted

    def tries(self, event: CloudEvent, consumer: str | None = None) -> int:
        """How often the handler was called for an event (by one consumer, or by any)."""
        return sum(
            n
            for (who, e), n in self.calls.items()
            if e == str(event.id) and consumer in (None, who)
        )

    async def handled(self) -> list[str]:
        """Event ids in the order their transactions committed (a repeat would show twice)."""
        # a connection of its own: the tests end the pool's sessions under it
        conn = await asyncpg.connect(self.dsn, server_settings={"search_path": SCHEMA})
        try:
            rows = await conn.fetch("SELECT event_id FROM handled ORDER BY seq")
        finally:
            await conn.close()
        return [r["event_id"] for r in rows]

    async def all_handled(self, events: list[CloudEvent]) -> list[str]:
        """The handled log once it holds every one of the events; empty before."""
        handled = await self.handled()
        return handled if {str(e.id) for e in events} <= set(handled) else []

    async def lock(self) -> Callable[[], Any]:
        """Hold the contended row in another session; return what releases it."""
        locker = await asyncpg.connect(self.dsn, server_settings={"search_path": SCHEMA})
        transaction = locker.transaction()
        await transaction.start()
        await locker.execute("SELECT 1 FROM notes WHERE id = $1 FOR UPDATE", CONTENDED_ROW)

        async def release() -> None:
            if not locker.is_closed():
                await transaction.rollback()
                await locker.close()

        return release


@pytest_asyncio.fixture(loop_scope="session")
async def notes(scratch: Any) -> AsyncIterator[Notes]:
    """The scratch database with a row to contend for and a log of handled events."""
    await scratch.pool.execute(
        "CREATE TABLE handled (seq bigserial PRIMARY KEY, event_id text NOT NULL)"
    )
    await scratch.pool.execute(
        "INSERT INTO notes (id, body) VALUES ($1, 'contended')", CONTENDED_ROW
    )
    yield Notes(scratch.dsn, scratch.pool)


async def test_a_lock_timeout_pauses_only_its_partition_and_the_record_is_processed_once(
    test_env, notes: Notes
) -> None:
    notes.layout = layout = await own_topics(test_env, "locked")
    group = f"{test_env.topic_prefix}locked-{uuid4().hex[:6]}"
    bootstrap = test_env.kafka_bootstrap_servers
    blocked, behind = escalation(), escalation()
    others = [escalation() for _ in range(4)]
    notes.contended.add(str(blocked.id))
    before = transient_failures("LockNotAvailableError")
    release = await notes.lock()
    broker, subscription = await start(test_env, layout, notes.handler(), group)
    try:
        await produce(bootstrap, layout.name(TOPIC), 0, [blocked.to_bytes(), behind.to_bytes()])

        async def tried_often() -> bool:
            # far more than the tries an unexpected error gets before the dead-letter topic
            return notes.tries(blocked) >= 6

        await eventually(tried_often, within=60)
        await produce(bootstrap, layout.name(TOPIC), 1, [e.to_bytes() for e in others[:2]])
        await produce(bootstrap, layout.name(TOPIC), 2, [e.to_bytes() for e in others[2:]])
        handled = await eventually(lambda: notes.all_handled(others), within=60)
        # The lock is still held: the blocked record and the one behind it wait, nothing else.
        assert str(blocked.id) not in handled
        assert str(behind.id) not in handled
        [waiting] = subscription.status()["waiting"]
        assert (waiting["topic"], waiting["partition"]) == (layout.name(TOPIC), 0)
        assert waiting["error"] == "LockNotAvailableError"
        assert waiting["failures"] >= 6
        assert transient_failures("LockNotAvailableError") - before >= 6

        await release()
        handled = await eventually(lambda: notes.all_handled([blocked, behind]), within=60)
        await eventually(lambda: committed_to_end(bootstrap, group), within=30)
        assert subscription.status()["partitions_waiting"] == 0
    finally:
        await stop(broker, subscription)
        await release()
    assert [h for h in handled if h in (str(blocked.id), str(behind.id))] == [
        str(blocked.id),
        str(behind.id),
    ]
    assert sorted(handled) == sorted(str(e.id) for e in [blocked, behind, *others])
    assert await dead_lettered(bootstrap, layout, group) == []


async def test_a_read_only_database_during_a_failover_is_waited_out_without_dead_letters(
    test_env, notes: Notes
) -> None:
    notes.layout = layout = await own_topics(test_env, "readonly")
    group = f"{test_env.topic_prefix}readonly-{uuid4().hex[:6]}"
    bootstrap = test_env.kafka_bootstrap_servers
    events = [escalation() for _ in range(6)]
    before = transient_failures("ReadOnlySQLTransactionError")
    database = await notes.pool.fetchval("SELECT current_database()")
    admin = await asyncpg.connect(test_env.admin_url)

    async def reconnect_everyone() -> None:
        # as a failover does: every session of the old primary ends
        await admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = $1 AND pid <> pg_backend_pid()",
            database,
        )

    broker, subscription = await start(test_env, layout, notes.handler(), group)
    try:
        # The primary is demoted: sessions are read-only until the new one is promoted.
        await admin.execute(f'ALTER DATABASE "{database}" SET default_transaction_read_only = on')
        await reconnect_everyone()
        for partition in range(3):
            values = [e.to_bytes() for e in events[partition * 2 : partition * 2 + 2]]
            await produce(bootstrap, layout.name(TOPIC), partition, values)

        async def refused_everywhere() -> bool:
            waiting = subscription.status()["waiting"]
            return len(waiting) == 3 and all(
                w["error"] == "ReadOnlySQLTransactionError" and w["failures"] >= 4 for w in waiting
            )

        async def tried_often() -> bool:
            return all(notes.tries(e) >= 6 for e in events[::2])

        await eventually(tried_often, within=60)
        await eventually(refused_everywhere, within=30)
        assert transient_failures("ReadOnlySQLTransactionError") - before >= 3
        assert await notes.handled() == []

        await admin.execute(f'ALTER DATABASE "{database}" RESET default_transaction_read_only')
        await reconnect_everyone()
        handled = await eventually(lambda: notes.all_handled(events), within=60)
        await eventually(lambda: committed_to_end(bootstrap, group), within=30)
        assert subscription.status()["partitions_waiting"] == 0
    finally:
        await stop(broker, subscription)
        await admin.execute(f'ALTER DATABASE "{database}" RESET default_transaction_read_only')
        await admin.close()
    assert sorted(handled) == sorted(str(e.id) for e in events)  # each once
    assert await dead_lettered(bootstrap, layout, group) == []


async def test_a_refused_dead_letter_publish_holds_only_its_partition_until_it_succeeds(
    test_env,
) -> None:
    layout = await own_topics(test_env, "dlqrefused")
    group = f"{test_env.topic_prefix}dlqrefused-{uuid4().hex[:6]}"
    bootstrap = test_env.kafka_bootstrap_servers
    # The dead-letter topic refuses the poison record (too large for it) until an operator
    # raises its limit: a real refusal of the real broker.
    poison = b"{not json " + os.urandom(2000).hex().encode()

    def dlq_limit(size: int) -> list[ConfigResource]:
        configs = {"max.message.bytes": str(size)}
        return [ConfigResource(ConfigResourceType.TOPIC, layout.dlq(TOPIC), configs)]

    async def dlq_refuses() -> bool:
        """Whether the broker applies the limit yet (an accepted probe has no group header)."""
        producer = AIOKafkaProducer(bootstrap_servers=bootstrap)
        await producer.start()
        try:
            await producer.send_and_wait(layout.dlq(TOPIC), os.urandom(len(poison)))
        except MessageSizeTooLargeError:
            return True
        finally:
            await producer.stop()
        return False

    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    await admin.alter_configs(dlq_limit(1000))
    await eventually(dlq_refuses, within=30)
    behind, elsewhere = escalation(), [escalation(), escalation()]
    started: Counter[str] = Counter()
    handled: list[str] = []
    cancelled: list[str] = []

    async def handler(event: CloudEvent) -> None:
        started[str(event.id)] += 1
        try:
            await asyncio.sleep(0.5)  # some work, long enough to be under way when others fail
        except asyncio.CancelledError:
            cancelled.append(str(event.id))
            raise
        handled.append(str(event.id))

    broker, subscription = await start(test_env, layout, handler, group)
    try:
        await produce(bootstrap, layout.name(TOPIC), 0, [poison, behind.to_bytes()])
        await produce(bootstrap, layout.name(TOPIC), 1, [elsewhere[0].to_bytes()])
        await produce(bootstrap, layout.name(TOPIC), 2, [elsewhere[1].to_bytes()])

        async def elsewhere_handled() -> bool:
            return {str(e.id) for e in elsewhere} <= set(handled)

        await eventually(elsewhere_handled, within=60)

        async def refused_again() -> bool:
            waiting = subscription.status()["waiting"]
            return bool(waiting) and waiting[0]["failures"] >= 3

        await eventually(refused_again, within=30)
        [waiting] = subscription.status()["waiting"]
        assert (waiting["partition"], waiting["error"]) == (0, "MessageSizeTooLargeError")
        assert str(behind.id) not in handled  # its partition waits for the poison record
        assert await dead_lettered(bootstrap, layout, group) == []

        await admin.alter_configs(dlq_limit(1048588))

        async def behind_handled() -> bool:
            return str(behind.id) in handled

        await eventually(behind_handled, within=60)
        await eventually(lambda: committed_to_end(bootstrap, group), within=30)
        assert subscription.status()["partitions_waiting"] == 0
    finally:
        await stop(broker, subscription)
        await admin.close()
    # No lane's failure cancelled another lane's work; each good record ran once.
    assert cancelled == []
    assert started == Counter({str(e.id): 1 for e in [behind, *elsewhere]})
    assert sorted(handled) == sorted(str(e.id) for e in [behind, *elsewhere])
    assert await dead_lettered(bootstrap, layout, group) == [poison]


async def test_a_waiting_partition_moved_by_rebalances_is_neither_left_paused_nor_skipped(
    test_env, notes: Notes
) -> None:
    notes.layout = layout = await own_topics(test_env, "moved")
    group = f"{test_env.topic_prefix}moved-{uuid4().hex[:6]}"
    bootstrap = test_env.kafka_bootstrap_servers
    blocked, behind = escalation(), escalation()
    notes.contended.add(str(blocked.id))
    goods: list[CloudEvent] = []

    async def produce_goods() -> None:
        batch = [escalation(), escalation()]
        goods.extend(batch)
        await produce(bootstrap, layout.name(TOPIC), 1, [batch[0].to_bytes()])
        await produce(bootstrap, layout.name(TOPIC), 2, [batch[1].to_bytes()])

    release = await notes.lock()
    first = await start(test_env, layout, notes.handler("first"), group)
    second: tuple[KafkaBroker, Subscription] | None = None
    try:
        await produce(bootstrap, layout.name(TOPIC), 0, [blocked.to_bytes(), behind.to_bytes()])

        async def first_waits() -> bool:
            return notes.tries(blocked, "first") >= 3

        await eventually(first_waits, within=60)
        # A second member joins: every partition is revoked and the three are shared out.
        second = await start(test_env, layout, notes.handler("second"), group)

        async def second_works() -> bool:
            if not any(who == "second" for who, _ in notes.calls):
                await produce_goods()
                return False
            return True

        await eventually(second_works, within=60)
        # It leaves again: the first member gets everything back, the waiting record included.
        await stop(*second)
        second = None
        tries_alone = notes.tries(blocked, "first")

        async def first_tries_again() -> bool:
            return notes.tries(blocked, "first") > tries_alone + 2

        await eventually(first_tries_again, within=60)
        await produce_goods()
        await release()
        everything = [blocked, behind, *goods]
        handled = await eventually(lambda: notes.all_handled(everything), within=60)
        await eventually(lambda: committed_to_end(bootstrap, group), within=30)
        assert first[1].status()["partitions_waiting"] == 0
    finally:
        if second is not None:
            await stop(*second)
        await stop(*first)
        await release()
    assert sorted(handled) == sorted(str(e.id) for e in everything)  # each once, none lost
    assert handled.index(str(blocked.id)) < handled.index(str(behind.id))
    assert await dead_lettered(bootstrap, layout, group) == []
