"""`python -m slrt_bench`: the machine's primitives, stepped load on a fresh platform, the report.

Knobs (environment): BENCH_STEPS (offered complaints/s, default "1,25,50,100,200"),
BENCH_SECONDS (per step, default 20), BENCH_DRAIN_SECONDS (the longest wait, default 300, for
a step's last dispatch and last close: the next step starts on an empty pipeline, so a step
beyond the pipeline's pace does not leave its backlog to the next one), BENCH_PRIMITIVE_SECONDS
(each primitive's run, default 8), BENCH_BARE_RATE (requests/s offered to the bare endpoint,
above what it answers, default 1500), BENCH_REPLICAS (processes of every service, default 1).
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

from slrt_bench import capacity, counters, cpu, primitives, report
from slrt_bench.agencies import AgencyDesks
from slrt_bench.data import District
from slrt_bench.load import run_step
from slrt_bench.observer import Observer
from slrt_bench.stack import pids, platform, results_dir

REGENCY = "32.15"
BACKEND = "postgres-backend-"


async def drain(sent: dict[str, float], seen: dict[str, float], within: float) -> None:
    """Wait until every sent complaint has been seen, or the time is up."""
    deadline = time.time() + within
    while True:
        if time.time() > deadline or all(c in seen for c in sent):
            return
        await asyncio.sleep(0.2)


async def measure_primitives(
    admin_url: str, bootstrap: str, district: District, seconds: float, bare_rate: float
) -> tuple[dict[str, float], dict[str, Any]]:
    """The three primitives, one after another on the otherwise idle platform."""
    print("measuring the machine's primitives ...", flush=True)
    bare = await primitives.bare_http(admin_url, district, bare_rate, seconds)
    kafka = await primitives.kafka_rates(bootstrap, 20_000)
    found = {
        "bare_http_requests_per_s": round(bare["requests_per_s"], 1),
        "kafka_produce_per_s": round(kafka["produce_per_s"], 1),
        "kafka_consume_per_s": round(kafka["consume_per_s"], 1),
        "postgres_commits_per_s": round(
            await primitives.single_commits(admin_url, seconds, concurrency=16), 1
        ),
    }
    print(json.dumps(found), flush=True)
    return found, bare


SERVICES = ("intake", "referral", "agency-gateway", "monitoring")


def by_service(seconds: dict[str, float]) -> dict[str, float]:
    """CPU seconds with the processes of one service (`intake`, `intake-1` ...) summed."""
    for service in SERVICES:
        seconds = cpu.grouped(seconds, f"{service}-", service)
    return seconds


async def sizes(admin_url: str, database: str, bootstrap: str, prefix: str) -> dict[str, int]:
    """What the run has stored so far: its database and its topics' records."""
    return {
        "postgres_bytes": await counters.database_bytes(admin_url, database),
        "kafka_bytes": await counters.topic_bytes(bootstrap, prefix),
    }


async def bench(
    steps: list[float],
    seconds: float,
    drain_s: float,
    primitive_s: float,
    bare_rate: float,
    replicas: int = 1,
) -> dict[str, Any]:
    """Measure the primitives, then each step on a fresh platform with its costs."""
    district = District.of(REGENCY)
    rng = random.Random(2026)
    async with platform(REGENCY, replicas=replicas) as stack:
        primitive, bare = await measure_primitives(
            stack.admin_url, stack.bootstrap, district, primitive_s, bare_rate
        )
        observer = Observer(stack.bootstrap, stack.layout)
        await observer.start()
        desks = AgencyDesks(
            stack.urls["agency-gateway"], stack.creds["agencies"], stack.bootstrap, stack.layout
        )
        desks.start()
        # The generator, the agencies and the observer share the machine too: count them.
        processes = {**pids(stack), "bench": os.getpid()}

        async def reading() -> tuple[dict[str, int | None], dict[str, int], dict[str, float]]:
            pg = await counters.postgres(stack.admin_url, stack.database)
            kafka = await counters.kafka(stack.bootstrap, stack.layout.prefix, (desks.group_id,))
            # The run's own backends apart from the rest of a Postgres other runs may share.
            backends = await counters.backends(stack.admin_url, stack.database)
            named = {**processes, **{f"{BACKEND}{pid}": pid for pid in backends}}
            return pg, kafka, cpu.cpu_times(named)

        results = []
        sizes0 = await sizes(stack.admin_url, stack.database, stack.bootstrap, stack.layout.prefix)
        try:
            for rate in steps:
                print(f"step: {rate:.0f} complaints/s for {seconds:.0f} s ...", flush=True)
                pg0, kafka0, cpu0 = await reading()
                before, began = cpu0, time.time()
                step = await run_step(
                    stack.urls["intake"], stack.creds["operators"], district, rate, seconds, rng
                )
                await drain(step.sent_at, observer.dispatched, drain_s)
                used = cpu.usage(before, cpu.cpu_times(processes), time.time() - began)
                await drain(step.sent_at, observer.closed, drain_s)
                # the last offset commits and statistics flushes, then the step's whole cost
                await asyncio.sleep(counters.STATS_FLUSH_SECONDS + 1.0)
                pg1, kafka1, cpu1 = await reading()
                needs = step.needs or [1]
                figures = report.step_figures(
                    step, observer.dispatched, observer.closed, used, sum(needs) / len(needs)
                )
                figures["costs"] = report.costs(
                    counters.deltas(pg0, pg1),
                    {k: v for k, v in counters.deltas(kafka0, kafka1).items() if v is not None},
                    by_service(cpu.grouped(cpu.spent(cpu0, cpu1), BACKEND, "postgres-run")),
                    len(step.sent_at),
                )
                results.append(figures)
                print(report.table(results[-1:]).splitlines()[-1], flush=True)
                print("  per complaint: " + report.cost_line(figures["costs"]), flush=True)
            sizes1 = await sizes(
                stack.admin_url, stack.database, stack.bootstrap, stack.layout.prefix
            )
        finally:
            await desks.stop()
            await observer.stop()
    complaints = sum(s["costs"]["complaints"] for s in results) or 1
    stored = {k: round((sizes1[k] - sizes0[k]) / complaints) for k in sizes1}
    # the cost at 100/s (the measure), else at the busiest step run
    costed = next((s for s in results if s["offered_per_s"] == 100), None) or max(
        results, key=lambda s: s["offered_per_s"]
    )
    cost = capacity.cost_of(costed, stored["postgres_bytes"], stored["kafka_bytes"])
    plans = [capacity.plan(area, cost) for area in capacity.AREAS]
    machine_bound = report.bound(primitive)
    sustained = max((s["dispatched_per_s"] for s in results if s["kept_up"]), default=0.0)
    # what the pipeline reached at best, kept up or not: the figure when no step kept up
    peak = max((s["dispatched_per_s"] for s in results), default=0.0)
    at_1 = next((s for s in results if s["offered_per_s"] == 1), None)
    at_100 = next((s for s in results if s["offered_per_s"] == 100), None)
    return {
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": primitives.cpu_count(), "python": host.python_version()},
        "regency": REGENCY,
        "replicas": replicas,
        "villages": len(district.villages),
        "primitives": primitive,
        "bare_endpoint": bare,
        "bound": machine_bound,
        "steps": results,
        "bytes_per_complaint": stored,
        "capacity": {"costed_at_per_s": costed["offered_per_s"], "plans": plans},
        # referrals the agencies acknowledged and resolved, and calls the gateway refused
        "agency_desks": {"resolved": desks.resolved, "errors": desks.errors},
        "sustained_end_to_end_per_s": sustained,
        "efficiency": report.efficiency(sustained, machine_bound["complaints_per_s"]),
        "peak_dispatched_per_s": peak,
        "peak_efficiency": report.efficiency(peak, machine_bound["complaints_per_s"]),
        "p50_to_dispatched_ms_at_1_per_s": at_1["to_dispatched_ms"]["p50"] if at_1 else None,
        "p99_to_dispatched_ms_at_100_per_s": at_100["to_dispatched_ms"]["p99"] if at_100 else None,
        "targets": {
            "efficiency": 0.5,
            "statements_per_complaint_at_100_per_s": 40,
            "commits_per_complaint_at_100_per_s": 10,
            "p50_to_dispatched_ms_at_1_per_s": 30,
            "p99_to_dispatched_ms_at_100_per_s": 250,
        },
    }


def main() -> None:
    """Run the benchmark and write bench/results/bench.json and bench.png."""
    steps = [float(s) for s in os.environ.get("BENCH_STEPS", "1,25,50,100,200").split(",")]
    seconds = float(os.environ.get("BENCH_SECONDS", "20"))
    drain_s = float(os.environ.get("BENCH_DRAIN_SECONDS", "300"))
    primitive_s = float(os.environ.get("BENCH_PRIMITIVE_SECONDS", "8"))
    bare_rate = float(os.environ.get("BENCH_BARE_RATE", "1500"))
    replicas = int(os.environ.get("BENCH_REPLICAS", "1"))
    result = asyncio.run(bench(steps, seconds, drain_s, primitive_s, bare_rate, replicas))
    out = results_dir()
    (out / "bench.json").write_text(json.dumps(result, indent=2) + "\n")
    report.plot(result, str(out / "bench.png"))
    print()
    print(report.table(result["steps"]))
    for s in result["steps"]:
        print(f"at {s['offered_per_s']:.0f}/s per complaint: {report.cost_line(s['costs'])}")
    print(f"\nprimitives: {json.dumps(result['primitives'])}")
    b = result["bound"]
    print(
        f"primitive bound: {b['complaints_per_s']} complaints/s, by {b['limited_by']} "
        f"(bare HTTP {b['by_http_per_s']}/s over 3 calls, Kafka {b['by_kafka_per_s']}/s and "
        f"Postgres {b['by_postgres_per_s']}/s over 3 records and 3 commits)"
    )
    print(
        f"sustained end to end: {result['sustained_end_to_end_per_s']} complaints/s, "
        f"efficiency {result['efficiency']:.0%} of the primitive bound (target 50%)"
    )
    print(
        f"peak dispatched: {result['peak_dispatched_per_s']} complaints/s, "
        f"{result['peak_efficiency']:.0%} of the primitive bound"
    )
    print(
        f"p50 to referral.dispatched at 1/s: {result['p50_to_dispatched_ms_at_1_per_s']} ms "
        f"(target 30); p99 at 100/s: {result['p99_to_dispatched_ms_at_100_per_s']} ms "
        "(target 250)"
    )
    stored = result["bytes_per_complaint"]
    print(
        f"\nstored per complaint: Postgres {stored['postgres_bytes']} bytes, "
        f"Kafka {stored['kafka_bytes']} bytes (one copy)"
    )
    print(f"capacity at the morning sync, costed at {result['capacity']['costed_at_per_s']:.0f}/s:")
    print(capacity.table(result["capacity"]["plans"]))
    print(f"written: {out / 'bench.json'}, {out / 'bench.png'}")


if __name__ == "__main__":
    main()
