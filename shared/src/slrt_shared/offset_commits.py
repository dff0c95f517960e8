"""Offsets of dealt-with records, committed to Kafka in the background: one commit for many.

A record is marked once its transaction has committed (or it went to the dead-letter topic),
so only such offsets are ever committed; a record waiting on a transient failure is not marked,
nor is anything after it on its partition. Whatever is marked but not yet committed when a
process dies is delivered again, and the inbox drops it: nothing is lost or done twice.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from aiokafka import AIOKafkaConsumer, ConsumerRebalanceListener, TopicPartition
from aiokafka.errors import KafkaError

log = logging.getLogger(__name__)


class OffsetCommits(ConsumerRebalanceListener):  # type: ignore[misc]
    """Collects the next offset to read per partition and commits them every `interval`."""

    def __init__(
        self,
        interval: float = 0.1,
        before_revoke: Callable[[list[TopicPartition]], Awaitable[None]] | None = None,
    ) -> None:
        self._interval = interval
        self._before_revoke = before_revoke
        self._pending: dict[TopicPartition, int] = {}
        self._consumer: AIOKafkaConsumer | None = None
        self._scheduled = False
        self._lock = asyncio.Lock()
        self._tasks: set[asyncio.Task[None]] = set()

    def done(self, consumer: AIOKafkaConsumer, topic: str, partition: int, offset: int) -> None:
        """Mark a record dealt with; its offset is committed within the interval."""
        self._consumer = consumer
        self._pending[TopicPartition(topic, partition)] = offset + 1
        self._schedule()

    async def flush(self) -> None:
        """Commit every offset marked so far (before a rebalance or a shutdown)."""
        async with self._lock:
            consumer, offsets = self._consumer, self._pending
            self._pending = {}
            if consumer is None or not offsets:
                return
            owned = consumer.assignment()
            # A partition given away is re-read by its new owner; its inbox drops what we did.
            offsets = {tp: offset for tp, offset in offsets.items() if tp in owned}
            if not offsets:
                return
            try:
                await consumer.commit(offsets)
            except KafkaError as exc:
                log.warning("offset commit failed, retrying: %s", exc)
                for tp, offset in offsets.items():
                    self._pending.setdefault(tp, offset)  # a newer mark wins
                self._schedule()

    async def on_partitions_revoked(self, revoked: list[TopicPartition]) -> None:
        """Commit before the partitions move, so their new owner starts where we stopped."""
        if self._before_revoke is not None:
            try:
                await self._before_revoke(list(revoked))
            except Exception:  # the commit below matters more than whatever failed here
                log.exception("preparing the revocation of %s failed", revoked)
        await self.flush()

    async def on_partitions_assigned(self, assigned: list[TopicPartition]) -> None:
        """Nothing to do: reading resumes, unpaused, from the committed offsets."""

    def _schedule(self) -> None:
        if self._scheduled:
            return
        self._scheduled = True
        task = asyncio.get_running_loop().create_task(self._flush_later())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _flush_later(self) -> None:
        await asyncio.sleep(self._interval)
        self._scheduled = False  # marks made during the commit schedule the next one
        await self.flush()
