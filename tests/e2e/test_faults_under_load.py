"""Faults under a steady load of complaints: nothing lost, nothing doubled, counts stay true.

Run on their own with `make test PYTEST_ARGS="-m fault"`.
"""

from __future__ import annotations

import asyncio
import time
import uuid

import pytest
from aiokafka import AIOKafkaProducer

from slrt_devstack.testing import read_records

from .faults import (
    CONSUMED_BY,
    SteadyLoad,
    assert_truth,
    rewind_group,
    unconsumed_share,
    villages,
)
from .test_bad_records import bad_values

pytestmark = [pytest.mark.e2e, pytest.mark.integration, pytest.mark.fault]


def test_killing_each_service_in_turn_mid_load_loses_and_doubles_nothing(  # type: ignore[no-untyped-def]
    platform, test_env, eventually
) -> None:
    load = SteadyLoad(platform, villages(200, 4), total=48, per_second=4).start()
    for service in ("intake", "referral", "agency-gateway", "monitoring"):
        time.sleep(1.5)
        platform.crash(service)  # SIGKILL: no shutdown hook runs
        time.sleep(0.5)
        platform.start(service)
    load.wait()
    assert load.retries > 0, "the load really met the crashed intake"
    assert_truth(platform, test_env, load, eventually)


def test_rewinding_every_consumer_group_mid_load_changes_nothing(  # type: ignore[no-untyped-def]
    platform, test_env, eventually
) -> None:
    load = SteadyLoad(platform, villages(240, 4), total=40, per_second=4).start()
    time.sleep(2)
    consumers = ("referral", "agency-gateway", "monitoring")
    for service in consumers:
        platform.crash(service)

    async def rewind_all() -> None:
        await asyncio.gather(*(rewind_group(test_env, s) for s in consumers))

    asyncio.run(rewind_all())
    for service in consumers:
        unconsumed, total = asyncio.run(unconsumed_share(test_env, service))
        assert unconsumed == total > 0, service  # all of it will be delivered again
    for service in consumers:
        platform.start(service)
    load.wait()
    assert_truth(platform, test_env, load, eventually)


def test_bad_records_injected_mid_load_go_to_their_dlq_and_nothing_else_changes(  # type: ignore[no-untyped-def]
    platform, test_env, eventually
) -> None:
    marker = uuid.uuid4().hex
    load = SteadyLoad(platform, villages(280, 4), total=40, per_second=4).start()
    time.sleep(2)
    consumed = sorted({t for topics in CONSUMED_BY.values() for t in topics})

    async def inject() -> None:
        producer = AIOKafkaProducer(bootstrap_servers=test_env.kafka_bootstrap_servers, acks="all")
        await producer.start()
        try:
            for topic in consumed:
                for value in bad_values(marker):
                    await producer.send_and_wait(test_env.layout.name(topic), value, key=b"bad")
        finally:
            await producer.stop()

    asyncio.run(inject())
    load.wait()
    assert_truth(platform, test_env, load, eventually)
    for topic in consumed:
        groups = sum(topic in topics for topics in CONSUMED_BY.values())

        def dead(t: str = topic) -> list:
            records = asyncio.run(
                read_records(test_env.kafka_bootstrap_servers, test_env.layout.dlq(t))
            )
            return [r for r in records if marker.encode() in (r.value or b"")]

        found = eventually(lambda g=groups, d=dead: len(d()) >= 3 * g, timeout=60)
        assert found
        assert len(dead()) == 3 * groups, topic
