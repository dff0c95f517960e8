from __future__ import annotations

import asyncio

import pytest

from slrt_shared.runtime import _forever

pytestmark = pytest.mark.asyncio


async def test_a_failing_job_is_restarted() -> None:
    runs = 0

    async def job() -> None:
        nonlocal runs
        runs += 1
        if runs == 1:
            raise RuntimeError("first run fails")

    await asyncio.wait_for(_forever("flaky", job), timeout=5)
    assert runs == 2


async def test_a_job_that_fails_while_being_stopped_is_not_restarted() -> None:
    started = asyncio.Event()
    runs = 0

    async def job() -> None:
        nonlocal runs
        runs += 1
        started.set()
        try:
            await asyncio.sleep(3600)
        except asyncio.CancelledError:
            # what a driver does when cut off mid-statement: a different error replaces it
            raise RuntimeError("connection in error state") from None

    task = asyncio.create_task(_forever("stuck", job))
    await started.wait()
    task.cancel()
    done, _ = await asyncio.wait({task}, timeout=5)
    assert done == {task}
    assert runs == 1
    with pytest.raises(RuntimeError):
        task.result()
