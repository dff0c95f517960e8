"""The real monitoring service on the synthetic country: started on a free port, then read."""

from __future__ import annotations

import asyncio
import secrets
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx

from slrt_bench.stack import Scratch
from slrt_devstack import processes, services
from slrt_devstack.testing import eventually

RECOMPUTE = "slrt_monitoring_ranking_recompute_seconds"
AGENCY_RECOMPUTE = "slrt_monitoring_agency_ranking_recompute_seconds"
ARCHIVE = "slrt_monitoring_archive_build_seconds"
# Months whose country-wide ranking is kept stored: the monitoring default.
KEPT_MONTHS = 12


@asynccontextmanager
async def monitoring(
    space: Scratch, regencies: list[str], interval: float
) -> AsyncIterator[httpx.AsyncClient]:
    """Serve every regency, with the country-wide ranking stored by the job; a client of it."""
    port = processes.free_port()
    spec = services.ServiceSpec(
        "national-monitoring", "monitoring", "monitoring", port, "MONITORING"
    )
    env = services.service_env(
        spec,
        space.dsns["monitoring"],
        space.bootstrap,
        secrets.token_urlsafe(24),
        space.layout.prefix,
    )
    env.update(
        {
            "MONITORING_REGENCY_CODES": ",".join(regencies),
            "MONITORING_NATIONAL_RANKING": "true",
            "MONITORING_NATIONAL_MONTHS": str(KEPT_MONTHS),
            "MONITORING_RANKING_INTERVAL_SECONDS": str(interval),
            "MONITORING_LOG_JSON": "false",
        }
    )
    processes.start(space.paths, spec.name, [sys.executable, "-m", spec.package, "serve"], env=env)
    try:
        await asyncio.to_thread(services.wait_ready, space.paths, spec, 120)
        async with httpx.AsyncClient(base_url=spec.url, timeout=600) as http:
            yield http
    finally:
        await asyncio.to_thread(processes.stop, space.paths, spec.name, 30)


async def metric(http: httpx.AsyncClient, name: str) -> float:
    """A Prometheus sample's value from /metrics (0 if absent).

    Asked again on a dropped connection: a service whose loop was busy for longer than its
    keep-alive may close a kept connection just as it is reused.
    """
    try:
        text = (await http.get("/metrics")).text
    except httpx.TransportError:
        text = (await http.get("/metrics")).text
    for line in text.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[-1])
    return 0.0


async def job_cycles(http: httpx.AsyncClient, name: str = RECOMPUTE) -> tuple[int, float]:
    """How many times a ranking job has recomputed, and the seconds it took in all."""
    count = await metric(http, f"{name}_count")
    return int(count), await metric(http, f"{name}_sum")


async def first_job_cycle(http: httpx.AsyncClient, within: float = 3600) -> float:
    """Seconds until the ranking job has finished its first cycle."""
    started = time.perf_counter()

    async def done() -> bool:
        return (await job_cycles(http))[0] >= 1

    await eventually(done, within)
    return time.perf_counter() - started


async def archived(http: httpx.AsyncClient, within: float = 3600) -> dict[str, float | int]:
    """Wait until the archive job has stored every older month kept; its builds and seconds."""
    started = time.perf_counter()
    months = KEPT_MONTHS - 2

    async def done() -> bool:
        return (await job_cycles(http, ARCHIVE))[0] >= months

    await eventually(done, within)
    builds, seconds = await job_cycles(http, ARCHIVE)
    return {
        "months": months,
        "builds": builds,
        "mean_build_s": round(seconds / builds, 2) if builds else 0.0,
        "all_stored_after_s": round(time.perf_counter() - started, 1),
    }
