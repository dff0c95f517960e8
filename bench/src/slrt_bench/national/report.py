"""The national-scale results: a readable table, and the JSON file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from slrt_bench.stack import results_dir


def default_path() -> Path:
    """bench/results/national.json."""
    return results_dir() / "national.json"


def write(results: dict[str, Any], path: Path) -> None:
    """The results as indented JSON."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results, indent=2, default=str) + "\n")


def table(results: dict[str, Any]) -> str:
    """The results as a readable table."""
    lines = [
        f"scale      {results['scale']}",
        f"load       {results['load']}",
        f"database   {results['database']['total_mb']} MB",
        f"{'request':<78} {'p50 s':>8} {'p95 s':>8} {'rows':>7}",
    ]
    for r in results["http"]:
        params = "&".join(f"{k}={v}" for k, v in r["params"].items())
        request = f"{r['path']}?{params}"
        lines.append(f"{request:<78} {r['p50']:>8} {r['p95']:>8} {r['rows'] or '':>7}")
    lines.append(f"ranking job {results['ranking_job']}")
    if "archive" in results:
        lines.append(f"archive    {results['archive']}")
    if "agency_ranking_job" in results:
        lines.append(f"agency job  {results['agency_ranking_job']}")
    s = results["stream"]
    lines.append(f"stream     {s['rate_events_per_s']}/s for {s['seconds']}s, {s['probes']} probes")
    for kind in ("live_regency", "national", "ranking_updated"):
        lines.append(f"staleness  {kind:<16} {s[f'staleness_{kind}_s']}")
    lines.append(f"lag        {s['consumer_lag_records']}")
    return "\n".join(lines)
