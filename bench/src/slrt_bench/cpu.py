"""CPU seconds per second of each process (children included: Postgres backends, workers)."""

from __future__ import annotations

import psutil


def _owner(process: psutil.Process, named: dict[int, str]) -> str | None:
    """The nearest named process at or above this one (services are the bench's children)."""
    current: psutil.Process | None = process
    while current is not None:
        if current.pid in named:
            return named[current.pid]
        current = current.parent()
    return None


def cpu_times(pids: dict[str, int]) -> dict[str, float]:
    """User + system CPU seconds so far of each named process and its unnamed descendants."""
    named = {pid: name for name, pid in pids.items()}
    totals: dict[str, float] = {}
    seen: set[int] = set()
    for pid in pids.values():
        try:
            root = psutil.Process(pid)
            tree = [root, *root.children(recursive=True)]
        except psutil.NoSuchProcess:
            continue
        for process in tree:
            if process.pid in seen:
                continue
            seen.add(process.pid)
            try:
                owner = _owner(process, named)
                times = process.cpu_times()
            except psutil.NoSuchProcess:
                continue
            if owner is not None:
                totals[owner] = totals.get(owner, 0.0) + times.user + times.system
    return totals


def usage(before: dict[str, float], after: dict[str, float], seconds: float) -> dict[str, float]:
    """Cores used by each process between two readings."""
    return {
        name: round((after[name] - before.get(name, 0.0)) / seconds, 3)
        for name in after
        if seconds > 0
    }


def spent(before: dict[str, float], after: dict[str, float]) -> dict[str, float]:
    """CPU seconds each process used between two readings (never below zero).

    A process that exits in between takes its seconds out of its tree's sum: a tree shared with
    other runs (a Postgres server) can read less than before; what it used is then unknown but
    not negative.
    """
    return {name: max(0.0, after[name] - before.get(name, 0.0)) for name in after}


def grouped(seconds: dict[str, float], prefix: str, name: str) -> dict[str, float]:
    """The same figures with every process named `prefix…` summed under `name`."""
    out: dict[str, float] = {}
    for process, value in seconds.items():
        key = name if process.startswith(prefix) else process
        out[key] = out.get(key, 0.0) + value
    return out
