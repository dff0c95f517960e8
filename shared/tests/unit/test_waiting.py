"""A wait told to stop stops, even when its event is set at the same moment."""

from __future__ import annotations

import asyncio

import pytest

from slrt_shared.waiting import wait_set


async def test_a_cancellation_that_comes_with_the_event_is_kept() -> None:
    event = asyncio.Event()
    waiting = asyncio.create_task(wait_set(event, 10))
    await asyncio.sleep(0)  # the task is now waiting on the event
    event.set()
    waiting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiting


async def test_it_says_whether_the_event_was_set() -> None:
    event = asyncio.Event()
    assert await wait_set(event, 0.01) is False
    event.set()
    assert await wait_set(event, 0.01) is True
