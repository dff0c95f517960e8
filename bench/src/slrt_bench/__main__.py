"""`python -m slrt_bench`: stepped load on a fresh platform, the machine's ceilings, the report.

Knobs (environment): BENCH_STEPS (offered complaints/s, default "25,50,100,200"),
BENCH_SECONDS (per step, default 20), BENCH_DRAIN_SECONDS (the longest wait, default 300, for
a step's last dispatch and last close: the next step starts on an empty pipeline, so a step
beyond the pipeline's pace does not leave its backlog to the next one).
"""

from __future__ import annotations

import asyncio
import json
import os
import platform as host
import random
import time
from datetime import UTC, datetime
from typing import Any

from slrt_bench import ceilings, cpu, report
from slrt_bench.agencies import AgencyDesks
from slrt_bench.data import District
from slrt_bench.load import run_step
from slrt_bench.observer import Observer
from slrt_bench.stack import pids, platform, results_dir

REGENCY = "32.15"


async def drain(sent: dict[str, float], seen: dict[str, float], within: float) -> None:
    """Wait until every sent complaint has been seen, or the time is up."""
    deadline = time.time() + within
    while True:
        if time.time() > deadline or all(c in seen for c in sent):
            return
        await asyncio.sleep(0.2)


async def bench(steps: list[float], seconds: float, drain_s: float) -> dict[str, Any]:
    """Measure the ceilings, then each step on a fresh platform."""
    district = District.of(REGENCY)
    rng = random.Random(2026)
    async with platform(REGENCY) as stack:
        print("measuring the machine's ceilings ...", flush=True)
        ceiling = {
            "postgres_commits_per_s": round(
                await ceilings.postgres_commits(stack.admin_url, 8, concurrency=16), 1
            ),
            **{
                k: round(v, 1)
                for k, v in (await ceilings.kafka_rates(stack.bootstrap, 20_000)).items()
            },
        }
        ceiling["kafka_produce_per_s"] = ceiling.pop("produce_per_s")
        ceiling["kafka_consume_per_s"] = ceiling.pop("consume_per_s")
        print(json.dumps(ceiling), flush=True)
        observer = Observer(stack.bootstrap, stack.layout)
        await observer.start()
        desks = AgencyDesks(
            stack.urls["agency-gateway"], stack.creds["agencies"], stack.bootstrap, stack.layout
        )
        desks.start()
        # The generator, the agencies and the observer share the machine too: count them.
        processes = {**pids(stack), "bench": os.getpid()}
        results = []
        try:
            for rate in steps:
                print(f"step: {rate:.0f} complaints/s for {seconds:.0f} s ...", flush=True)
                before, began = cpu.cpu_times(processes), time.time()
                step = await run_step(
                    stack.urls["intake"], stack.creds["operators"], district, rate, seconds, rng
                )
                await drain(step.sent_at, observer.dispatched, drain_s)
                used = cpu.usage(before, cpu.cpu_times(processes), time.time() - began)
                await drain(step.sent_at, observer.closed, drain_s)
                needs = step.needs or [1]
                results.append(
                    report.step_figures(
                        step, observer.dispatched, observer.closed, used, sum(needs) / len(needs)
                    )
                )
                print(report.table(results[-1:]).splitlines()[-1], flush=True)
        finally:
            await desks.stop()
            await observer.stop()
    mean_needs = sum(s["mean_needs"] for s in results) / max(len(results), 1)
    machine_bound = report.bound(ceiling, mean_needs)
    sustained = max((s["dispatched_per_s"] for s in results if s["kept_up"]), default=0.0)
    at_200 = next((s for s in results if s["offered_per_s"] == 200), None)
    return {
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": ceilings.cpu_count(), "python": host.python_version()},
        "regency": REGENCY,
        "villages": len(district.villages),
        "ceilings": ceiling,
        "bound": machine_bound,
        "steps": results,
        # referrals the agencies acknowledged and resolved, and calls the gateway refused
        "agency_desks": {"resolved": desks.resolved, "errors": desks.errors},
        "sustained_end_to_end_per_s": sustained,
        "efficiency": round(sustained / machine_bound["complaints_per_s"], 3)
        if machine_bound["complaints_per_s"]
        else 0.0,
        "p99_to_dispatched_ms_at_200_per_s": at_200["to_dispatched_ms"]["p99"] if at_200 else None,
        "targets": {"sustained_per_s": 1000, "p99_to_dispatched_ms_at_200_per_s": 250},
    }


def main() -> None:
    """Run the benchmark and write bench/results/bench.json and bench.png."""
    steps = [float(s) for s in os.environ.get("BENCH_STEPS", "25,50,100,200").split(",")]
    seconds = float(os.environ.get("BENCH_SECONDS", "20"))
    drain_s = float(os.environ.get("BENCH_DRAIN_SECONDS", "300"))
    result = asyncio.run(bench(steps, seconds, drain_s))
    out = results_dir()
    (out / "bench.json").write_text(json.dumps(result, indent=2) + "\n")
    report.plot(result, str(out / "bench.png"))
    print()
    print(report.table(result["steps"]))
    print(f"\nceilings: {json.dumps(result['ceilings'])}")
    print(
        f"machine bound: {result['bound']['complaints_per_s']} complaints/s "
        f"(Postgres {result['bound']['by_postgres_per_s']}/s, "
        f"Kafka {result['bound']['by_kafka_per_s']}/s)"
    )
    print(
        f"sustained end to end: {result['sustained_end_to_end_per_s']} complaints/s "
        f"(target 1000), efficiency {result['efficiency']:.0%} of the bound"
    )
    print(
        f"p99 to referral.dispatched at 200/s: {result['p99_to_dispatched_ms_at_200_per_s']} ms "
        "(target 250)"
    )
    print(f"written: {out / 'bench.json'}, {out / 'bench.png'}")


if __name__ == "__main__":
    main()
