"""Posting a signed delivery to an agency's webhook URL."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

import httpx

from gateway.domain.webhooks import sign


@dataclass(frozen=True)
class Attempt:
    """What the receiver answered: a status code, or the error that prevented an answer."""

    status_code: int | None
    error: str | None

    @property
    def delivered(self) -> bool:
        """A 2xx answer."""
        return self.status_code is not None and 200 <= self.status_code < 300


async def post(
    client: httpx.AsyncClient,
    url: str,
    secret: str,
    message_id: str,
    body: str,
    *,
    deadline_seconds: float,
) -> Attempt:
    """Send one delivery with the Standard Webhooks headers; give up after `deadline_seconds`."""
    timestamp = int(time.time())
    headers = {
        "content-type": "application/cloudevents+json",
        "webhook-id": message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": sign(secret, message_id, timestamp, body),
        "user-agent": "slrt-agency-gateway",
    }
    try:
        # httpx's timeouts bound each read; a receiver trickling bytes must not outlast the
        # lease, so the whole exchange has one deadline.
        async with asyncio.timeout(deadline_seconds):
            response = await client.post(url, content=body.encode(), headers=headers)
    except TimeoutError:
        return Attempt(None, f"Timeout: no answer within {deadline_seconds:g} s")
    except httpx.HTTPError as exc:
        return Attempt(None, f"{type(exc).__name__}: {exc}"[:500])
    error = None if 200 <= response.status_code < 300 else response.text[:500]
    return Attempt(response.status_code, error)
