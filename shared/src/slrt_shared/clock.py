"""The platform's one clock for domain times: the system clock, or a demo's replay clock.

Every time a service stamps on or compares with its domain's facts (a complaint's receipt, a
referral's dispatch and due time, an agency's act, the ranking's current month) is read from
`now()`. Normally that is the system clock. A *replay* clock exists for the local demo only:
configured by three environment variables, the same in every process so that all agree,

    virtual = min(real, FROM + max(real - EPOCH, 0) * RATE)

it runs `RATE` times fast from `FROM` (a past instant) once the real clock passes `EPOCH`, is
never ahead of real time and becomes the real clock once it has caught up. It holds no state:
each call applies the one formula, so it is monotonic and every process reads the same time.

Times about the machinery rather than a case stay real whatever the clock, reading
`datetime.now(UTC)` or Postgres' `now()`: Kafka record timestamps (the producer's; nothing passes
a clock time as one), outbox and consumer retries and dead-letter times, leases, token and
idempotency-key expiry, intake's operator rate-limit windows (`entrypoints/auth.py`, `jobs.py`),
retention and erasure purges (`slrt_shared.retention`, intake's `service_layer/erasure.py`, the
gateway's kept residents and early escalations), subject-access exports and their log (intake's
`subjects_http.py`, `cli_subjects.py`), webhook signatures and deliveries, staff and key
revocations, the routing-rule and holiday-calendar administration's own timestamps (referral's
`cli.py` calendar status included), and the `DEFAULT now()` of the log tables.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

FROM = "SLRT_CLOCK_REPLAY_FROM"
EPOCH = "SLRT_CLOCK_REPLAY_EPOCH"
RATE = "SLRT_CLOCK_REPLAY_RATE"
NAMES = (FROM, EPOCH, RATE)


class ClockConfigError(ValueError):
    """The replay clock's environment is incomplete or contradicts itself."""


@dataclass(frozen=True)
class Replay:
    """A replay: virtual time starts at `start` when the real clock reads `epoch`."""

    start: datetime
    epoch: datetime
    rate: float

    def at(self, real: datetime) -> datetime:
        """The virtual time when the real clock reads `real`."""
        # Before the epoch the replay waits at its start: a process may begin a moment early.
        ahead = max(real - self.epoch, timedelta(0))
        return min(real, self.start + ahead * self.rate)

    def real_at(self, virtual: datetime) -> datetime:
        """The first real microsecond the virtual clock reads at least `virtual` (before it
        catches up: one real microsecond is `rate` virtual ones)."""
        ahead = max(virtual - self.start, timedelta(0)) // timedelta(microseconds=1)
        return self.epoch + timedelta(microseconds=math.ceil(ahead / self.rate) + 1)

    @property
    def caught_up_at(self) -> datetime:
        """The real moment the virtual clock reaches the real one, and stays on it."""
        if self.rate == 1:
            return datetime.max.replace(tzinfo=UTC)
        return self.epoch + (self.epoch - self.start) / (self.rate - 1)

    def environment(self) -> dict[str, str]:
        """The variables that configure this replay in a process."""
        return {
            FROM: self.start.isoformat(),
            EPOCH: self.epoch.isoformat(),
            RATE: f"{self.rate:g}",
        }


def _instant(name: str, text: str) -> datetime:
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise ClockConfigError(f"{name}={text!r} is not an ISO instant") from None
    if value.tzinfo is None:
        raise ClockConfigError(f"{name}={text!r} needs a time zone (e.g. +00:00)")
    return value.astimezone(UTC)


def replay_from(environ: Mapping[str, str]) -> Replay | None:
    """The replay the environment configures, None for the system clock; refuses a bad one."""
    given = {name: environ[name] for name in NAMES if environ.get(name, "").strip()}
    if not given:
        return None
    if len(given) < len(NAMES):
        missing = ", ".join(n for n in NAMES if n not in given)
        raise ClockConfigError(f"a replay clock needs all of {', '.join(NAMES)}; missing {missing}")
    start, epoch = _instant(FROM, given[FROM]), _instant(EPOCH, given[EPOCH])
    try:
        rate = float(given[RATE])
    except ValueError:
        raise ClockConfigError(f"{RATE}={given[RATE]!r} is not a number") from None
    if start > epoch:
        raise ClockConfigError(f"{FROM} ({start.isoformat()}) lies after {EPOCH}")
    if not rate >= 1:
        raise ClockConfigError(f"{RATE} must be at least 1 (virtual seconds per real second)")
    return Replay(start, epoch, rate)


_REPLAY: Replay | None = None
_ERROR: ClockConfigError | None = None


def configure(environ: Mapping[str, str]) -> Replay | None:
    """Read the clock's configuration (a process does at import; tests again); keep a refusal."""
    global _REPLAY, _ERROR
    _REPLAY, _ERROR = None, None
    try:
        _REPLAY = replay_from(environ)
    except ClockConfigError as exc:
        _ERROR = exc
    return _REPLAY


configure(os.environ)


def check() -> Replay | None:
    """The replay this process runs on, if any; raises the configuration's refusal."""
    if _ERROR is not None:
        raise _ERROR
    return _REPLAY


def now() -> datetime:
    """The current domain time, UTC and aware."""
    real = datetime.now(UTC)
    if _REPLAY is None:
        if _ERROR is not None:
            raise _ERROR
        return real
    return _REPLAY.at(real)


def describe() -> str | None:
    """A line for the log when a replay clock is in use, else None."""
    if _REPLAY is None:
        return None
    r = _REPLAY
    return (
        f"replay clock in use: {r.start.isoformat()} at {r.epoch.isoformat()}, {r.rate:g}x, "
        f"real time from {r.caught_up_at.isoformat()}"
    )
