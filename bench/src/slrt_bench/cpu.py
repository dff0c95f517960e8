"""CPU seconds per second of each process (children included: Postgres backends, workers)."""

from __future__ import annotations

import psutil


def cpu_times(pids: dict[str, int]) -> dict[str, float]:
    """User + system CPU seconds so far of each named process tree."""
    totals: dict[str, float] = {}
    for name, pid in pids.items():
        try:
            root = psutil.Process(pid)
            tree = [root, *root.children(recursive=True)]
        except psutil.NoSuchProcess:
            continue
        total = 0.0
        for process in tree:
            try:
                times = process.cpu_times()
            except psutil.NoSuchProcess:
                continue
            total += times.user + times.system
        totals[name] = total
    return totals


def usage(before: dict[str, float], after: dict[str, float], seconds: float) -> dict[str, float]:
    """Cores used by each process between two readings."""
    return {
        name: round((after[name] - before.get(name, 0.0)) / seconds, 3)
        for name in after
        if seconds > 0
    }
