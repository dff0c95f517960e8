"""`python -m slrt_bench.national`: load a synthetic country, time monitoring on it, stream events.

Results go to a table on stdout and to bench/results/national.json (or `--out`).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from monitoring.app import MIGRATIONS
from slrt_bench.national import report, service
from slrt_bench.national.country import synthetic_regions
from slrt_bench.national.load import database_size, load_country
from slrt_bench.national.staleness import Stream
from slrt_bench.national.timing import http_times
from slrt_bench.stack import scratch
from slrt_shared import db

LEVELS = ("province", "regency", "district", "village")


async def run(args: argparse.Namespace) -> dict[str, Any]:
    """The whole benchmark; returns the results."""
    results: dict[str, Any] = {
        "scale": {"villages": args.villages, "complaints": args.complaints, "seed": args.seed},
        "machine": {
            "cpus": os.cpu_count(),
            "python": sys.version.split()[0],
            # The machine is shared: how busy it was before and after the run.
            "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
        },
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    async with scratch("n", partitions=6, keep=args.keep) as space:
        dsn = space.dsns["monitoring"]
        await db.migrate(dsn, "monitoring", "monitoring", MIGRATIONS)
        regions = synthetic_regions(args.villages, args.seed)
        now = datetime.now(UTC)
        print(f"loading {args.complaints:,} complaints in {args.villages:,} villages ...")
        started = time.perf_counter()
        timings = await load_country(dsn, regions, args.complaints, now, args.seed)
        load_seconds = time.perf_counter() - started
        results["load"] = {
            "seconds": round(load_seconds, 1),
            **{k: round(v, 1) for k, v in timings.items()},
        }
        results["database"] = await database_size(dsn)
        results["country"] = {
            level: sum(1 for r in regions if r.level == level) for level in LEVELS
        }
        print(f"loaded in {load_seconds:.0f}s: {results['database']}", flush=True)

        regencies = sorted(r.code for r in regions if r.level == "regency")
        async with service.monitoring(space, regencies, args.interval) as http:
            results["first_job_cycle_s"] = round(await service.first_job_cycle(http), 1)
            # The older months kept are built one per pass beside the ranking job's cycles.
            results["archive"] = await service.archived(http)
            print(f"older months stored: {results['archive']}", flush=True)
            results["http"] = await http_times(http, regions, now, args.repeat)
            cycles, seconds = await service.job_cycles(http)
            results["ranking_job"] = {
                "cycles": cycles,
                "mean_recompute_s": round(seconds / cycles, 2) if cycles else None,
                "interval_s": args.interval,
                # Village and kecamatan rankings of each regency for the month and the
                # rolling 30 days, and the country's villages and kecamatan for both (the
                # agencies' rankings are the agency job's).
                "rankings_per_cycle": len(regencies) * 4 + 4,
            }
            print("streaming events ...", flush=True)
            stream = Stream(http, space, regions, args.seed)
            results["stream"] = await stream.run(args.rate, args.seconds, args.probe_every)
            under_stream, seconds_after = await service.job_cycles(http)
            if under_stream > cycles:
                results["ranking_job"]["cycles_under_stream"] = under_stream - cycles
                results["ranking_job"]["mean_recompute_s"] = round(seconds_after / under_stream, 2)
                results["ranking_job"]["mean_recompute_under_stream_s"] = round(
                    (seconds_after - seconds) / (under_stream - cycles), 3
                )
            agency_cycles, agency_seconds = await service.job_cycles(http, service.AGENCY_RECOMPUTE)
            results["agency_ranking_job"] = {
                "cycles": agency_cycles,
                "mean_recompute_s": round(agency_seconds / agency_cycles, 2)
                if agency_cycles
                else None,
                "interval_s": args.interval,
            }
        if args.keep:
            results["kept"] = {"database": space.database, "topic_prefix": space.layout.prefix}
    results["machine"]["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    results["finished_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    return results


def parser() -> argparse.ArgumentParser:
    """The command's options."""
    p = argparse.ArgumentParser(prog="python -m slrt_bench.national", description=__doc__)
    p.add_argument("--villages", type=int, default=5_000)
    p.add_argument("--complaints", type=int, default=300_000)
    p.add_argument("--seed", type=int, default=2025)
    p.add_argument("--repeat", type=int, default=20, help="Calls per timed request.")
    p.add_argument("--rate", type=float, default=50, help="Events per second streamed.")
    p.add_argument("--seconds", type=float, default=120, help="How long to stream.")
    p.add_argument("--probe-every", type=float, default=2.0)
    p.add_argument("--interval", type=float, default=5.0, help="Ranking job interval.")
    p.add_argument("--keep", action="store_true", help="Keep the scratch database/topics.")
    p.add_argument(
        "--out", type=Path, default=None, help="Results file (bench/results/national.json)."
    )
    return p


def main() -> None:
    """Parse the options, run, print and save."""
    args = parser().parse_args()
    out = args.out or report.default_path()
    results = asyncio.run(run(args))
    report.write(results, out)
    print()
    print(report.table(results))
    print(f"\nwritten to {out}")


if __name__ == "__main__":
    main()
