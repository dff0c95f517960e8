"""Agencies at work: each pulls its new referrals, acknowledges and resolves them."""

from __future__ import annotations

import asyncio
import uuid
from contextlib import suppress

import httpx


class AgencyDesks:
    """One worker per agency, polling the gateway's pull API with its own key."""

    def __init__(self, gateway: str, keys: dict[str, str]) -> None:
        self._gateway = gateway
        self._keys = keys
        self._tasks: list[asyncio.Task[None]] = []
        self.resolved = 0
        self.errors = 0

    def start(self) -> None:
        """Open every agency's desk."""
        self._tasks = [asyncio.create_task(self._desk(c, k)) for c, k in self._keys.items()]

    async def stop(self) -> None:
        """Close the desks."""
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with suppress(asyncio.CancelledError):
                await task

    async def _desk(self, code: str, key: str) -> None:
        headers = {"Authorization": f"Bearer {key}"}
        limits = httpx.Limits(max_connections=8)
        async with httpx.AsyncClient(
            base_url=self._gateway, headers=headers, limits=limits, timeout=30
        ) as client:
            while True:
                page = await client.get(
                    "/v1/referrals", params={"status": "dispatched", "limit": 200}
                )
                items = page.json().get("items", []) if page.status_code == 200 else []
                if not items:
                    await asyncio.sleep(0.2)
                    continue
                await asyncio.gather(*(self._handle(client, r["referral_id"]) for r in items))

    async def _handle(self, client: httpx.AsyncClient, referral_id: str) -> None:
        for action, body in (("acknowledge", None), ("resolve", {"outcome": "resolved"})):
            response = await client.post(
                f"/v1/referrals/{referral_id}/{action}",
                json=body,
                headers={"Idempotency-Key": str(uuid.uuid4())},
            )
            if response.status_code >= 300:
                self.errors += 1
                return
        self.resolved += 1
