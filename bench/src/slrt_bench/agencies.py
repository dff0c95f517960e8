"""Agencies at work: each reads its referrals from its Kafka topic, acknowledges, resolves."""

from __future__ import annotations

import asyncio
import json
import uuid
import zlib
from contextlib import suppress

import aiohttp
from aiokafka import AIOKafkaConsumer

from slrt_shared.contracts.events import AgencyReferral
from slrt_shared.contracts.topics import TopicLayout


class AgencyDesks:
    """The agencies' systems, integrated the Kafka way: their topics in, the gateway's API out.

    With several gateway processes each referral's calls go to one of them, by its id.
    """

    def __init__(
        self,
        gateway: list[str],
        keys: dict[str, str],
        bootstrap: str,
        layout: TopicLayout,
        concurrency: int = 64,
    ) -> None:
        self._gateway = gateway
        self._keys = keys
        self._topics = [layout.name(AgencyReferral.topic.format(agency_code=code)) for code in keys]
        self._bootstrap = bootstrap
        self._gate = asyncio.Semaphore(concurrency)
        self._task: asyncio.Task[None] | None = None
        self._work: set[asyncio.Task[None]] = set()
        self.group_id = f"bench-agencies-{uuid.uuid4().hex[:8]}"
        self.resolved = 0
        # A referral's copy comes again once its resident's data arrives: one desk job each.
        self._taken: set[str] = set()
        self.errors: dict[str, int] = {}  # refused calls by action and status

    def start(self) -> None:
        """Open every agency's desk."""
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        """Close the desks."""
        for task in [*self._work, *([self._task] if self._task else [])]:
            task.cancel()
            with suppress(asyncio.CancelledError):
                await task

    async def _run(self) -> None:
        consumer = AIOKafkaConsumer(
            *self._topics,
            bootstrap_servers=self._bootstrap,
            group_id=self.group_id,
            auto_offset_reset="earliest",
            # the bench reads the group's committed offsets as what the agencies consumed
            auto_commit_interval_ms=1000,
        )
        await consumer.start()
        timeout = aiohttp.ClientTimeout(total=30)
        try:
            async with aiohttp.ClientSession(timeout=timeout) as client:
                while True:
                    batches = await consumer.getmany(timeout_ms=200, max_records=1000)
                    for records in batches.values():
                        for record in records:
                            data = json.loads(record.value)["data"]
                            if data["status"] != "dispatched" or data["referral_id"] in self._taken:
                                continue
                            self._taken.add(data["referral_id"])
                            task = asyncio.create_task(self._handle(client, data))
                            self._work.add(task)
                            task.add_done_callback(self._work.discard)
        finally:
            await consumer.stop()

    async def _handle(self, client: aiohttp.ClientSession, referral: dict[str, str]) -> None:
        headers = {"Authorization": f"Bearer {self._keys[referral['agency_code']]}"}
        steps = (("acknowledge", None), ("resolve", {"outcome": "resolved"}))
        gateway = self._gateway[zlib.crc32(referral["referral_id"].encode()) % len(self._gateway)]
        async with self._gate:
            for action, body in steps:
                try:
                    async with client.post(
                        f"{gateway}/v1/referrals/{referral['referral_id']}/{action}",
                        json=body,
                        headers={**headers, "Idempotency-Key": str(uuid.uuid4())},
                    ) as response:
                        failure = None if response.status < 300 else str(response.status)
                except (aiohttp.ClientError, TimeoutError) as exc:
                    failure = type(exc).__name__
                if failure is not None:
                    what = f"{action} {failure}"
                    self.errors[what] = self.errors.get(what, 0) + 1
                    return
        self.resolved += 1
