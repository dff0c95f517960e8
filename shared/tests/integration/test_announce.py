"""`uow.announce(event)` queues an event for the topic of its type: no topic written by hand."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import uuid4

import pytest

from slrt_devstack.fixtures import scratch_topics
from slrt_devstack.testing import read_records
from slrt_shared.contracts import topics
from slrt_shared.contracts.envelope import CloudEvent, decode, new_event
from slrt_shared.contracts.events import AgencyReferral
from slrt_shared.outbox import OutboxRelay, idempotent_producer
from slrt_shared.unit_of_work import PgUnitOfWork

from .conftest import escalation

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]


def agency_copy(agency_code: str) -> CloudEvent:
    complaint_id = uuid4()
    now = datetime.now(UTC)
    data = AgencyReferral(
        referral_id=uuid4(),
        complaint_id=complaint_id,
        ticket="SLRT-K7M2-9QXA",
        village_code="32.15.02.2001",
        service_code="JKN-PBI",
        agency_code=agency_code,
        status="dispatched",
        change="id.slrt.referral.dispatched.v1",
        due_at=now,
        at=now,
    )
    return new_event(data, source="/slrt/agency-gateway", subject=complaint_id)


def bare(event_type: str, **data: object) -> CloudEvent:
    return CloudEvent(
        id=uuid4(),
        source="/slrt/test",
        type=event_type,
        time=datetime.now(UTC),
        subject=str(uuid4()),
        data=data,
    )


async def test_announced_events_reach_the_outbox_under_their_types_topics(
    scratch, test_env
) -> None:
    escalated, copy = escalation(), agency_copy("DINSOS")
    async with PgUnitOfWork(scratch.pool, test_env.layout) as uow:
        await uow.conn.execute("INSERT INTO notes VALUES (1, 'announced')")
        assert uow.announce(escalated) == test_env.layout.name(topics.REFERRAL_ESCALATED)
        assert uow.announce(copy) == test_env.layout.agency("DINSOS")
        await uow.commit()
    rows = await scratch.pool.fetch("SELECT event_id, topic FROM outbox ORDER BY id")
    assert [(r["event_id"], r["topic"]) for r in rows] == [
        (escalated.id, test_env.layout.name(topics.REFERRAL_ESCALATED)),
        (copy.id, test_env.layout.agency("DINSOS")),
    ]


async def test_an_event_without_a_topic_is_refused_before_anything_is_saved(
    scratch, test_env
) -> None:
    async with PgUnitOfWork(scratch.pool, test_env.layout) as uow:
        await uow.conn.execute("INSERT INTO notes VALUES (2, 'kept')")
        with pytest.raises(ValueError):
            uow.announce(bare("id.slrt.nothing.v1"))
        await uow.commit()
    assert await scratch.pool.fetchval("SELECT count(*) FROM outbox") == 0
    assert await scratch.pool.fetchval("SELECT body FROM notes WHERE id = 2") == "kept"


async def test_the_relay_publishes_an_announced_event_on_its_topic(scratch, test_env) -> None:
    # Topics of its own: the session's are read by other tests that count what they find.
    bootstrap = test_env.kafka_bootstrap_servers
    run = "announce" + uuid4().hex[:6]
    async with scratch_topics(bootstrap, test_env.topic_prefix, run) as layout:
        event = escalation()
        async with PgUnitOfWork(scratch.pool, layout) as uow:
            physical = uow.announce(event)
            await uow.commit()
        assert physical == layout.name(topics.REFERRAL_ESCALATED)
        producer = idempotent_producer(bootstrap, "test-announce")
        await producer.start()
        try:
            relay = OutboxRelay(scratch.pool, producer, schema="referral")
            assert await relay.relay_once() == 1
        finally:
            await producer.stop()
        records = await read_records(bootstrap, physical)
        assert [decode(r.value).id for r in records] == [event.id]
