"""`python -m slrt_bench.national.facts`: what monitoring's consumer costs Postgres per event.

A small synthetic country is loaded, a backlog of cases (created, dispatched, acknowledged,
resolved, closed) is put on the topics, then the real monitoring service consumes it while its
ranking job runs. Measured from pg_stat_statements (this database only) and the inbox: statements
and their mean time per consumed event, the fact upserts' own, and the records consumed per
second. Run it from two checkouts in one sitting to compare them.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
from aiokafka import AIOKafkaProducer

from monitoring.app import MIGRATIONS
from slrt_bench.national import events, service
from slrt_bench.national.country import synthetic_regions
from slrt_bench.national.load import load_country
from slrt_bench.stack import scratch
from slrt_shared import db

FACT_UPSERTS = ("INSERT INTO complaint_facts", "INSERT INTO referral_facts")


async def statements(admin_url: str, database: str) -> dict[str, tuple[int, float]]:
    """Calls and total milliseconds of each statement pg_stat_statements holds for a database."""
    conn = await asyncpg.connect(admin_url)
    try:
        rows = await conn.fetch(
            "SELECT query, sum(calls)::bigint AS calls, sum(total_exec_time) AS ms"
            " FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database"
            " WHERE datname = $1) GROUP BY query",
            database,
        )
    finally:
        await conn.close()
    return {r["query"]: (r["calls"], r["ms"]) for r in rows}


def delta(
    before: dict[str, tuple[int, float]],
    after: dict[str, tuple[int, float]],
    prefixes: tuple[str, ...],
) -> tuple[int, float]:
    """Calls and milliseconds between two readings of the statements starting with `prefixes`."""
    calls, ms = 0, 0.0
    for query, (c, t) in after.items():
        if prefixes and not query.lstrip().startswith(prefixes):
            continue
        c0, t0 = before.get(query, (0, 0.0))
        calls += c - c0
        ms += t - t0
    return calls, ms


async def run(args: argparse.Namespace) -> dict[str, Any]:
    """Load, fill the topics, consume; the figures."""
    rng = random.Random(args.seed)
    out: dict[str, Any] = {
        "scale": {"villages": args.villages, "complaints": args.complaints, "cases": args.cases},
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
    }
    async with scratch("f", partitions=6) as space:
        dsn = space.dsns["monitoring"]
        await db.migrate(dsn, "monitoring", "monitoring", MIGRATIONS)
        regions = synthetic_regions(args.villages, args.seed)
        await load_country(dsn, regions, args.complaints, datetime.now(UTC), args.seed)
        villages = [r.code for r in regions if r.level == "village"]
        regencies = sorted(r.code for r in regions if r.level == "regency")
        producer = AIOKafkaProducer(bootstrap_servers=space.bootstrap, acks="all", linger_ms=20)
        await producer.start()
        total = 0
        try:
            for _ in range(args.cases):
                cid, told = events.new_complaint(rng.choice(villages), rng)
                case = {
                    "complaint_id": cid,
                    "village_code": told[0].village_code,  # type: ignore[attr-defined]
                    "referral_id": told[1].referral_id,  # type: ignore[attr-defined]
                    "agency_code": told[1].agency_code,  # type: ignore[attr-defined]
                    "service_code": told[1].service_code,  # type: ignore[attr-defined]
                }
                told += events.acknowledgement(case)[1] + events.resolution(case)[1]
                for data in told:
                    await events.publish(producer, space.layout, data, cid)
                total += len(told)
            await producer.flush()
        finally:
            await producer.stop()
        out["events"] = total
        conn = await asyncpg.connect(dsn, server_settings={"search_path": "monitoring"})
        try:
            before = await statements(space.admin_url, space.database)
            async with service.monitoring(space, regencies, args.interval):
                first: tuple[float, int] | None = None
                while True:
                    seen = await conn.fetchval("SELECT count(*) FROM inbox")
                    moment = time.perf_counter()
                    if first is None and seen:
                        first = (moment, seen)
                    if seen >= total:
                        break
                    await asyncio.sleep(0.1)
                after = await statements(space.admin_url, space.database)
        finally:
            await conn.close()
        assert first is not None
        seconds = moment - first[0]
        all_calls, all_ms = delta(before, after, ())
        fact_calls, fact_ms = delta(before, after, FACT_UPSERTS)
        out["consumer"] = {
            "records": total - first[1],
            "seconds": round(seconds, 2),
            "records_per_s": round((total - first[1]) / seconds, 1) if seconds else None,
        }
        out["per_event"] = {
            "statements": round(all_calls / total, 2),
            "statement_ms": round(all_ms / total, 3),
            "mean_statement_ms": round(all_ms / all_calls, 3) if all_calls else None,
        }
        out["fact_upserts"] = {
            "calls": fact_calls,
            "per_event": round(fact_calls / total, 2),
            "mean_ms": round(fact_ms / fact_calls, 3) if fact_calls else None,
        }
        out["top_statements"] = sorted(
            (
                {
                    "query": q[:90],
                    "calls": c - before.get(q, (0, 0.0))[0],
                    "ms": round(t - before.get(q, (0, 0.0))[1], 1),
                }
                for q, (c, t) in after.items()
                if c - before.get(q, (0, 0.0))[0]
            ),
            key=lambda s: -float(str(s["ms"])),
        )[:8]
    out["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    return out


def main() -> None:
    """Parse the options, run, print and save."""
    p = argparse.ArgumentParser(prog="python -m slrt_bench.national.facts", description=__doc__)
    p.add_argument("--villages", type=int, default=2_000)
    p.add_argument("--complaints", type=int, default=240_000)
    p.add_argument("--cases", type=int, default=4_000, help="Cases of five events each.")
    p.add_argument("--seed", type=int, default=2025)
    p.add_argument("--interval", type=float, default=5.0, help="Ranking job interval.")
    p.add_argument("--out", type=Path, required=True)
    args = p.parse_args()
    results = asyncio.run(run(args))
    args.out.write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
