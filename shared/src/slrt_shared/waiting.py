"""Waiting on an event for at most a while, without ever losing a cancellation.

On Python 3.11, `asyncio.wait_for` drops a cancellation that arrives as the awaited event is
set (CPython gh-86296): a job's loop told to stop then runs on, and whoever awaits its end
waits for ever. `asyncio.timeout` keeps it.
"""

from __future__ import annotations

import asyncio


async def wait_set(event: asyncio.Event, seconds: float) -> bool:
    """Wait until `event` is set or `seconds` pass; whether it was set."""
    try:
        async with asyncio.timeout(seconds):
            await event.wait()
    except TimeoutError:
        return event.is_set()
    return True
