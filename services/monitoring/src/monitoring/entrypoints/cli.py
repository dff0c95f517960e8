"""`python -m monitoring rebuild`: reset the projections and replay the topics from the start.

Stop the monitoring service first. The command empties every projection (facts, published
rankings, the inbox), reads each consumed topic from its first offset to its current end,
applies the same handlers the service uses, then moves the service's consumer group to that
end, so the restarted service carries on from there. Replaying gives the same rankings.
"""

from __future__ import annotations

import argparse
import asyncio
import logging

import asyncpg
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.errors import CommitFailedError
from aiokafka.structs import OffsetAndMetadata

from monitoring.adapters.facts import reset_projections
from monitoring.app import build, unit_of_work_factory
from monitoring.entrypoints.kafka import handlers
from slrt_shared.contracts.envelope import InvalidEventError, decode
from slrt_shared.kafka_security import client_options
from slrt_shared.runtime import ServiceRuntime

log = logging.getLogger(__name__)


async def rebuild() -> int:
    """Reset and replay; return the number of events applied."""
    runtime, _ = build()
    applied = 0
    async with runtime.database() as pool:
        consumer = AIOKafkaConsumer(
            bootstrap_servers=runtime.settings.kafka_bootstrap_servers,
            group_id=runtime.group_id,
            enable_auto_commit=False,
            **client_options(runtime.settings),
        )
        await consumer.start()
        try:
            applied = await _replay(runtime, pool, consumer)
        finally:
            await consumer.stop()
    return applied


async def _replay(runtime: ServiceRuntime, pool: asyncpg.Pool, consumer: AIOKafkaConsumer) -> int:
    await reset_projections(pool)
    by_topic = {
        runtime.layout.name(topic): handler
        for topic, handler in handlers(unit_of_work_factory(runtime)).items()
    }
    parts = [TopicPartition(t, p) for t in by_topic for p in sorted(await _partitions(consumer, t))]
    consumer.assign(parts)
    await consumer.seek_to_beginning(*parts)
    ends = await consumer.end_offsets(parts)
    applied = 0
    remaining = {tp for tp in parts if ends[tp] > 0}
    while remaining:
        for tp, records in (await consumer.getmany(*remaining, timeout_ms=1000)).items():
            for record in records:
                if record.offset >= ends[tp]:
                    break
                try:
                    await by_topic[tp.topic](decode(record.value))
                    applied += 1
                except InvalidEventError:
                    pass  # the live consumer dead-lettered it already
        remaining = {tp for tp in remaining if await consumer.position(tp) < ends[tp]}
    await _commit_when_group_is_empty(
        consumer, {tp: OffsetAndMetadata(ends[tp], "") for tp in parts}
    )
    return applied


async def _commit_when_group_is_empty(
    consumer: AIOKafkaConsumer, offsets: dict[TopicPartition, OffsetAndMetadata]
) -> None:
    # A service that was killed stays a member until its session times out (seconds).
    for _ in range(60):
        try:
            await consumer.commit(offsets)
            return
        except CommitFailedError:
            log.info("waiting for the stopped service to leave its consumer group")
            await asyncio.sleep(1)
    raise SystemExit("the monitoring service still consumes: stop it before rebuilding")


async def _partitions(consumer: AIOKafkaConsumer, topic: str) -> set[int]:
    found = consumer.partitions_for_topic(topic)
    if not found:
        await consumer._client.force_metadata_update()
        found = consumer.partitions_for_topic(topic)
    return set(found or ())


def main(argv: list[str]) -> None:
    """Run the rebuild."""
    argparse.ArgumentParser(prog="monitoring rebuild", description=__doc__).parse_args(argv)
    print(f"replayed {asyncio.run(rebuild())} events")
