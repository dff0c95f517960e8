"""The gateway's subscriptions as wired, batched by the shared consumer (real Kafka, Postgres).

complaint.pii carries a resident's record and its erasure: both types run in one transaction
with their partition's neighbours, in offset order.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from aiokafka import AIOKafkaProducer
from faststream.kafka import KafkaBroker

from gateway.adapters.repository import GatewayUnitOfWork
from gateway.entrypoints import kafka
from slrt_devstack import provision
from slrt_devstack.testing import counting_statements, eventually
from slrt_shared import db
from slrt_shared.consumer import EventHandler, subscribe
from slrt_shared.contracts import topics
from slrt_shared.contracts.envelope import new_event
from slrt_shared.contracts.events import ComplaintPii, ComplaintPiiErased
from slrt_shared.contracts.topics import TopicLayout

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]


class Subscriptions:
    """What `kafka.subscribe` registers, kept to hand to the shared consumer."""

    def __init__(self) -> None:
        self.handlers: dict[str, EventHandler] = {}

    def subscribe(self, topic: str, handler: EventHandler) -> None:
        """Keep a topic's handler."""
        self.handlers[topic] = handler


def resident(complaint_id: uuid.UUID) -> ComplaintPii:
    return ComplaintPii(
        complaint_id=complaint_id,
        nik="3215024107800001",
        name="Siti Aminah",
        phone="+6281234567890",
        address="Dusun Krajan RT 02/RW 01",
        description="Kartu BPJS PBI tidak aktif.",
    )


async def test_a_residents_record_and_its_erasure_share_one_transaction_in_order(  # type: ignore[no-untyped-def]
    test_env, gateway_db, observed
) -> None:
    layout = TopicLayout(f"{test_env.topic_prefix}gwb{uuid.uuid4().hex[:6]}.")
    await provision.create_topics(test_env.kafka_bootstrap_servers, layout, [], 3)
    pool = await db.create_pool(gateway_db.dsn, "gateway")
    wired = Subscriptions()
    kafka.subscribe(wired, lambda: GatewayUnitOfWork(pool, layout))  # type: ignore[arg-type]
    erased, kept = uuid.uuid4(), uuid.uuid4()
    records = [
        new_event(resident(erased), source="/slrt/intake", subject=erased),
        new_event(resident(kept), source="/slrt/intake", subject=kept),
        new_event(
            ComplaintPiiErased(complaint_id=erased, erased_at=datetime.now(UTC), cause="request"),
            source="/slrt/intake",
            subject=erased,
        ),
    ]
    producer = AIOKafkaProducer(bootstrap_servers=test_env.kafka_bootstrap_servers, acks="all")
    await producer.start()
    try:
        for event in records:  # one partition: one lane, in this order
            await producer.send_and_wait(
                layout.name(topics.COMPLAINT_PII), event.to_bytes(), key=event.key, partition=0
            )
    finally:
        await producer.stop()

    async def handled() -> Any:
        return await pool.fetchval("SELECT count(*) FROM inbox") == len(records)

    try:
        with counting_statements() as statements:
            broker = KafkaBroker(test_env.kafka_bootstrap_servers)
            subscription = subscribe(
                broker,
                layout=layout,
                handlers=wired.handlers,
                group_id=f"{layout.prefix}gateway",
            )
            await broker.start()
            try:
                await eventually(handled, within=60)
            finally:
                await subscription.stop()
                await broker.stop()
        assert sum(1 for s in statements if s.rstrip(";").upper() == "COMMIT") == 1, statements
        residents = await pool.fetch("SELECT complaint_id FROM residents")
        assert [r["complaint_id"] for r in residents] == [kept]
        assert await pool.fetchval(
            "SELECT count(*) FROM erased_complaints WHERE complaint_id = $1", erased
        )
    finally:
        await pool.close()
