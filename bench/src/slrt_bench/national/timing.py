"""Response times of monitoring's rankings and report cards over HTTP, one request at a time."""

from __future__ import annotations

import statistics
import time
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import httpx

from slrt_bench.national.country import villages_by_regency
from slrt_bench.national.service import KEPT_MONTHS
from slrt_bench.report import percentile
from slrt_shared.reference import Region


def summary(samples: list[float]) -> dict[str, float | int | None]:
    """Median, 95th and 99th percentile and maximum of samples (seconds)."""
    if not samples:
        return {"n": 0, "p50": None, "p95": None, "p99": None, "max": None}
    return {
        "n": len(samples),
        "p50": round(statistics.median(samples), 4),
        **{f"p{q}": round(percentile(samples, q) or 0.0, 4) for q in (95, 99)},
        "max": round(max(samples), 4),
    }


async def time_calls(
    http: httpx.AsyncClient, path: str, params: dict[str, Any], repeat: int
) -> dict[str, Any]:
    """Call an endpoint `repeat` times one after the other; response time and size."""
    samples, size, rows = [], 0, None
    for _ in range(repeat):
        started = time.perf_counter()
        response = await http.get(path, params=params)
        samples.append(time.perf_counter() - started)
        response.raise_for_status()
        size = len(response.content)
        body = response.json()
        rows = len(body["rows"]) if "rows" in body else None
    return {"path": path, "params": params, "bytes": size, "rows": rows, **summary(samples)}


def month_back(now: datetime, back: int) -> str:
    """The month `back` months before the one of `now`, as YYYY-MM."""
    index = now.year * 12 + now.month - 1 - back
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def calls(
    regions: Sequence[Region], now: datetime, repeat: int
) -> list[tuple[str, dict[str, Any], int]]:
    """What is timed: (path, query, times) for the biggest regency and the whole country."""
    month = now.strftime("%Y-%m")
    villages = villages_by_regency(regions)
    biggest = max(villages, key=lambda k: len(villages[k]))
    village = villages[biggest][0]
    few = max(3, repeat // 5)
    out: list[tuple[str, dict[str, Any], int]] = []
    for period in (month, "rolling-30d"):
        for level in ("village", "kecamatan", "agency"):
            out.append(("/v1/rankings", {"level": level, "regency": biggest, "period": period},
                        repeat))  # fmt: skip
        for level in ("village", "kecamatan"):
            out.append(("/v1/rankings", {"level": level, "regency": "all", "period": period,
                                         "limit": 100}, repeat))  # fmt: skip
        out.append(("/v1/rankings", {"level": "village", "regency": "all", "period": period},
                    few))  # fmt: skip
    # The month just closed (followed by the ranking job), one before it (built whole by the
    # archive job) and one past the months kept stored (computed country-wide on request).
    for back in (1, 2, KEPT_MONTHS):
        out.append(("/v1/rankings", {"level": "village", "regency": "all",
                                     "period": month_back(now, back), "limit": 100},
                    2))  # fmt: skip
    out.append(("/v1/rankings", {"level": "village", "regency": "all",
                                 "period": month_back(now, 2)}, 2))  # fmt: skip
    out.append((f"/v1/puskesos/{village}", {"period": month}, repeat))
    out.append((f"/v1/puskesos/{village}", {}, few))
    return out


async def http_times(
    http: httpx.AsyncClient, regions: Sequence[Region], now: datetime, repeat: int
) -> list[dict[str, Any]]:
    """Response times of the rankings and report cards, one request at a time."""
    out = []
    for path, params, times in calls(regions, now, repeat):
        result = await time_calls(http, path, params, times)
        out.append(result)
        print(f"  {path} {params}: p50 {result['p50']}s p95 {result['p95']}s", flush=True)
    return out
