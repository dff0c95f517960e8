"""Restart Postgres and the Kafka broker under a steady load: nothing lost, nothing doubled."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from slrt_devstack import kafka, postgres
from slrt_devstack.paths import StackPaths

from .faults import SteadyLoad, assert_truth, villages

pytestmark = [pytest.mark.e2e, pytest.mark.integration, pytest.mark.fault]

ROOT = Path(__file__).resolve().parents[2]


def local_stack() -> bool:
    return not (os.environ.get("DATABASE_URL") or os.environ.get("KAFKA_BOOTSTRAP_SERVERS"))


@pytest.mark.skipif(not local_stack(), reason="restarts the local stack's own processes")
def test_restarting_postgres_and_kafka_mid_load_loses_and_doubles_nothing(  # type: ignore[no-untyped-def]
    platform, test_env, eventually
) -> None:
    paths = StackPaths(ROOT)
    load = SteadyLoad(platform, villages(160, 3), total=30, per_second=3).start()
    time.sleep(1.5)
    postgres.stop(paths)
    time.sleep(2)
    postgres.start(paths)
    time.sleep(1.5)
    kafka.stop(paths)
    time.sleep(1)
    kafka.start(paths)
    load.wait()
    assert load.retries > 0, "the load really met the outage"
    assert_truth(platform, test_env, load, eventually)
