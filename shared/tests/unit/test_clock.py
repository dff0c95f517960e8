"""The platform's clock: the system clock, or a replay that runs fast from the past."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from slrt_shared import clock

EPOCH = datetime(2026, 12, 2, 3, 0, tzinfo=UTC)
START = EPOCH - timedelta(days=90)
REPLAY = clock.Replay(START, EPOCH, 21600.0)  # a day every four seconds


@pytest.fixture(autouse=True)
def _system_clock_after() -> Iterator[None]:
    yield
    clock.configure({})


def test_without_configuration_it_is_the_system_clock() -> None:
    assert clock.configure({}) is None
    before = datetime.now(UTC)
    now = clock.now()
    assert before <= now <= datetime.now(UTC)
    assert now.tzinfo is UTC
    assert clock.describe() is None


def test_a_replay_waits_at_its_start_until_the_epoch_then_runs_fast() -> None:
    assert REPLAY.at(EPOCH - timedelta(minutes=5)) == START
    assert REPLAY.at(EPOCH) == START
    assert REPLAY.at(EPOCH + timedelta(seconds=4)) == START + timedelta(days=1)
    assert REPLAY.at(EPOCH + timedelta(seconds=60)) == START + timedelta(days=15)


def test_a_replay_is_never_ahead_of_real_time_and_becomes_it_once_caught_up() -> None:
    caught = REPLAY.caught_up_at
    just_after = caught + timedelta(milliseconds=1)
    assert REPLAY.at(just_after) == just_after
    assert REPLAY.at(caught - timedelta(seconds=1)) < caught - timedelta(seconds=1)
    assert EPOCH < caught < EPOCH + timedelta(seconds=361)
    later = caught + timedelta(hours=3)
    assert REPLAY.at(later) == later
    for seconds in range(0, 2000, 7):
        real = EPOCH + timedelta(seconds=seconds)
        assert REPLAY.at(real) <= real


def test_a_replay_is_monotonic() -> None:
    reals = [EPOCH + timedelta(seconds=s / 10) for s in range(-100, 5000)]
    virtuals = [REPLAY.at(r) for r in reals]
    assert virtuals == sorted(virtuals)


def test_real_at_inverts_the_replay_before_it_catches_up() -> None:
    virtual = START + timedelta(days=33, hours=5)
    reads = REPLAY.at(REPLAY.real_at(virtual))
    assert virtual <= reads < virtual + timedelta(seconds=1)


def test_the_environment_configures_the_same_replay_in_every_process() -> None:
    environment = REPLAY.environment()
    assert clock.replay_from(environment) == REPLAY
    assert clock.configure(environment) == REPLAY
    now = clock.now()
    assert now <= datetime.now(UTC) and now.tzinfo is not None
    assert "replay clock in use" in (clock.describe() or "")


@pytest.mark.parametrize(
    ("environment", "says"),
    [
        ({clock.FROM: START.isoformat()}, "missing SLRT_CLOCK_REPLAY_EPOCH"),
        ({clock.FROM: START.isoformat(), clock.RATE: "10"}, "missing SLRT_CLOCK_REPLAY_EPOCH"),
        (
            {clock.FROM: EPOCH.isoformat(), clock.EPOCH: START.isoformat(), clock.RATE: "10"},
            "lies after",
        ),
        (
            {clock.FROM: START.isoformat(), clock.EPOCH: EPOCH.isoformat(), clock.RATE: "0.5"},
            "at least 1",
        ),
        (
            {clock.FROM: START.isoformat(), clock.EPOCH: EPOCH.isoformat(), clock.RATE: "fast"},
            "not a number",
        ),
        (
            {clock.FROM: "2026-09-01T00:00", clock.EPOCH: EPOCH.isoformat(), clock.RATE: "10"},
            "time zone",
        ),
        (
            {clock.FROM: "yesterday", clock.EPOCH: EPOCH.isoformat(), clock.RATE: "10"},
            "not an ISO instant",
        ),
    ],
)
def test_a_bad_configuration_is_refused(environment: dict[str, str], says: str) -> None:
    with pytest.raises(clock.ClockConfigError, match=says):
        clock.replay_from(environment)
    clock.configure(environment)
    with pytest.raises(clock.ClockConfigError, match=says):
        clock.check()
    with pytest.raises(clock.ClockConfigError):
        clock.now()


def test_a_service_refuses_to_start_on_a_bad_replay_clock() -> None:
    bad = {clock.FROM: START.isoformat(), clock.RATE: "100"}
    result = subprocess.run(
        [sys.executable, "-m", "monitoring", "migrate"],
        env={
            "PATH": "/usr/bin:/bin",
            "MONITORING_DATABASE_URL": "postgresql://nobody@127.0.0.1:9/none",
            **bad,
        },
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode != 0
    assert "refusing to start" in result.stderr and "SLRT_CLOCK_REPLAY_EPOCH" in result.stderr
