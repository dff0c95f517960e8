"""How far each of a service's consumed topics is ahead of its consumer group (a gauge)."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from prometheus_client import Gauge

log = logging.getLogger(__name__)

LAG = Gauge(
    "slrt_consumer_lag",
    "Records on a topic not yet committed by this service's consumer group",
    ["group", "topic"],
)


async def group_lag(
    admin: AIOKafkaAdminClient, offsets: AIOKafkaConsumer, group: str, topics: list[str]
) -> dict[str, int]:
    """Records per topic between the group's committed offsets and the end of each partition."""
    described = await admin.describe_topics(topics)
    partitions = [
        TopicPartition(t["topic"], p["partition"])
        for t in described
        if not t.get("error_code")
        for p in t["partitions"]
    ]
    if not partitions:
        return dict.fromkeys(topics, 0)
    # Assigned (never polled), so the client keeps metadata of exactly these partitions.
    if offsets.assignment() != set(partitions):
        offsets.assign(partitions)
    ends = await offsets.end_offsets(partitions)
    committed = await admin.list_consumer_group_offsets(group, partitions=partitions)
    lag = dict.fromkeys(topics, 0)
    for tp in partitions:
        done = committed.get(tp)
        position = done.offset if done is not None and done.offset >= 0 else 0
        lag[tp.topic] += max(ends[tp] - position, 0)
    return lag


async def report_lag_forever(
    bootstrap: str, group: str, topics: list[str], interval: float = 15.0, **security: Any
) -> None:
    """Refresh the slrt_consumer_lag gauge every interval until cancelled."""
    while True:
        admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, **security)
        offsets = AIOKafkaConsumer(
            bootstrap_servers=bootstrap, enable_auto_commit=False, **security
        )
        try:
            await admin.start()
            await offsets.start()
            while True:
                for topic, records in (await group_lag(admin, offsets, group, topics)).items():
                    LAG.labels(group, topic).set(records)
                await asyncio.sleep(interval)
        except asyncio.CancelledError:
            raise
        except Exception:  # a broker restart must not end the reporting
            log.warning("consumer lag not measured; retrying", exc_info=True)
        finally:
            await offsets.stop()
            await admin.close()
        await asyncio.sleep(interval)
