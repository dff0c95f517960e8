"""When each complaint's events appear on Kafka, as a dashboard or an agency would see them."""

from __future__ import annotations

import asyncio
import json
from contextlib import suppress

from aiokafka import AIOKafkaConsumer

from slrt_shared.contracts import topics
from slrt_shared.contracts.topics import TopicLayout


class Observer:
    """Reads referral.dispatched and complaint.closed from their ends: when each was published."""

    def __init__(self, bootstrap: str, layout: TopicLayout) -> None:
        self.dispatched: dict[str, float] = {}
        self.closed: dict[str, float] = {}
        self._names = {
            layout.name(topics.REFERRAL_DISPATCHED): self.dispatched,
            layout.name(topics.COMPLAINT_CLOSED): self.closed,
        }
        self._consumer = AIOKafkaConsumer(
            *self._names,
            bootstrap_servers=bootstrap,
            auto_offset_reset="latest",
            enable_auto_commit=False,
        )
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Join at the end of both topics and start noting."""
        await self._consumer.start()
        while True:
            if self._consumer.assignment():
                break
            await asyncio.sleep(0.05)
        for tp in self._consumer.assignment():
            await self._consumer.seek_to_end(tp)
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        """Stop noting."""
        if self._task:
            self._task.cancel()
            with suppress(asyncio.CancelledError):
                await self._task
        await self._consumer.stop()

    async def _run(self) -> None:
        while True:
            batches = await self._consumer.getmany(timeout_ms=100, max_records=2000)
            for tp, records in batches.items():
                seen = self._names[tp.topic]
                for record in records:
                    key = record.key.decode() if record.key else json.loads(record.value)["subject"]
                    # When the event was published (the relay's send time, same host clock),
                    # not when this busy process got round to reading it.
                    seen.setdefault(key, record.timestamp / 1000)
