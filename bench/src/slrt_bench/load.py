"""An open-loop load: complaints sent at a fixed rate whatever the answers' pace."""

from __future__ import annotations

import asyncio
import random
import time
import uuid
from dataclasses import dataclass, field

import aiohttp

from slrt_bench.data import District, complaint


@dataclass
class StepResult:
    """What one rate step sent and got back."""

    offered_per_s: float
    seconds: float
    sent_at: dict[str, float] = field(default_factory=dict)  # complaint id -> send time
    accepted_at: dict[str, float] = field(default_factory=dict)  # complaint id -> 201 time
    http_latency: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)
    late_sends: int = 0  # sends the generator itself could not make on time
    needs: list[int] = field(default_factory=list)


async def run_step(
    intake: list[str],
    tokens: dict[str, str],
    district: District,
    rate: float,
    seconds: float,
    rng: random.Random,
    concurrency: int = 256,
) -> StepResult:
    """Send `rate` complaints a second for `seconds`, spread over every village.

    With several intake processes the complaints go to each in turn, as a load balancer would.
    """
    result = StepResult(rate, seconds)
    gate = asyncio.Semaphore(concurrency)
    # aiohttp rather than httpx: the generator shares the two cores with the platform, and
    # its cost per request is a fraction of httpx's.
    connector = aiohttp.TCPConnector(limit=concurrency)
    timeout = aiohttp.ClientTimeout(total=30)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as client:

        async def send(village: str, base: str) -> None:
            body = complaint(district, village, rng)
            result.needs.append(len(body["needs"]))
            headers = {
                "Authorization": f"Bearer {tokens[village]}",
                "Idempotency-Key": str(uuid.uuid4()),
            }
            async with gate:
                started = time.time()
                try:
                    url = f"{base}/v1/complaints"
                    async with client.post(url, json=body, headers=headers) as r:
                        status = r.status
                        answer = await r.json() if status == 201 else None
                except (aiohttp.ClientError, TimeoutError) as exc:
                    kind = type(exc).__name__
                    result.errors[kind] = result.errors.get(kind, 0) + 1
                    return
            answered = time.time()
            result.http_latency.append(answered - started)
            if answer is not None:
                result.sent_at[answer["complaint_id"]] = started
                result.accepted_at[answer["complaint_id"]] = answered
            else:
                result.errors[str(status)] = result.errors.get(str(status), 0) + 1

        total = int(rate * seconds)
        begin = time.perf_counter()
        tasks = []
        for n in range(total):
            due = begin + n / rate
            wait = due - time.perf_counter()
            if wait > 0:
                await asyncio.sleep(wait)
            elif wait < -0.05:
                result.late_sends += 1
            village = district.villages[n % len(district.villages)]
            tasks.append(asyncio.create_task(send(village, intake[n % len(intake)])))
        await asyncio.gather(*tasks)
    return result
