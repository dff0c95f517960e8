"""Monitoring at national scale: synthetic country, ranking query times, and how far behind it runs.

Run with `uv run --frozen python bench/national_scale.py` (a small country by default) or
`--villages 83000 --complaints 10000000` for Indonesia's size. It starts (or finds) Kafka and
Postgres through slrt_devstack, creates a scratch database and topic prefix, loads a synthetic
country straight into monitoring's projection tables (the rows monitoring's event handlers
would have written for the same cases), starts the real monitoring service on a free port,
times its HTTP answers and its ranking job, then publishes a steady stream of events to Kafka
and measures how long each takes to show in the rankings. Results go to a table on stdout and
to bench/results/national.json.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import functools
import json
import math
import os
import random
import secrets
import socket
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from slrt_shared import db, reference
from slrt_shared.contracts import topics
from slrt_shared.contracts.envelope import CONTENT_TYPE, new_event
from slrt_shared.contracts.events import (
    CaseResolved,
    ComplaintClosed,
    ComplaintCreated,
    EventData,
    ReferralDispatched,
    ReferralEscalated,
    ReferralOutcome,
    ReferralUpdated,
)

ROOT = Path(__file__).resolve().parents[1]
MIGRATIONS = ROOT / "services" / "monitoring" / "migrations"
RESULTS = ROOT / "bench" / "results" / "national.json"

# Kemendagri province codes of Indonesia's 38 provinces.
PROVINCES = [
    "11",
    "12",
    "13",
    "14",
    "15",
    "16",
    "17",
    "18",
    "19",
    "21",
    "31",
    "32",
    "33",
    "34",
    "35",
    "36",
    "51",
    "52",
    "53",
    "61",
    "62",
    "63",
    "64",
    "65",
    "71",
    "72",
    "73",
    "74",
    "75",
    "76",
    "81",
    "82",
    "91",
    "92",
    "93",
    "94",
    "95",
    "96",
]
VILLAGES_PER_REGENCY = 83_000 / 514
VILLAGES_PER_KECAMATAN = 83_000 / 7_200
# How often each need is brought, relative to the others (social-assistance desks see mostly
# health insurance, civil documents and cash-transfer enrolment).
SERVICE_WEIGHTS = {
    "JKN-PBI": 22, "ADMINDUK": 16, "PKH": 12, "SEMBAKO": 10, "DTSEN": 8, "KESEHATAN": 6,
    "LANSIA": 4, "DISABILITAS": 4, "PIP": 5, "RTLH": 4, "ANAK": 2, "ODGJ": 2, "KEKERASAN": 1,
    "JAMSOSTEK": 1, "KERJA": 1, "GRADUASI": 1, "BENCANA": 1, "LAINNYA": 1,
}  # fmt: skip
DAY_SECONDS = 86_400


# ----------------------------------------------------------------------------- the country


@dataclass(frozen=True)
class Region:
    """A row of monitoring's `regions` table."""

    code: str
    name: str
    level: str
    parent_code: str | None


def synthetic_regions(villages: int, seed: int) -> list[Region]:
    """The three real regencies of the reference data, then synthetic ones up to `villages`."""
    rng = random.Random(seed)
    real = list(reference.regions().values())
    out = [Region(r.code, r.name, r.level, r.parent_code) for r in real]
    used_regencies = {r.code for r in real if r.level == "regency"}
    provinces = {r.code for r in real if r.level == "province"}
    remaining = max(villages - sum(1 for r in real if r.level == "village"), 0)
    regency_count = max(1, round(remaining / VILLAGES_PER_REGENCY)) if remaining else 0
    kecamatan_count = max(regency_count, round(remaining / VILLAGES_PER_KECAMATAN))
    # Bigger provinces (Java, Sumatra) hold more regencies: weights by the province's position.
    weights = [3.0 if p in {"32", "33", "35", "11", "12", "13"} else 1.0 for p in PROVINCES]
    next_number: dict[str, int] = {}
    regencies = []
    for _ in range(regency_count):
        province = rng.choices(PROVINCES, weights)[0]
        while True:
            number = next_number.get(province, 0) + 1
            next_number[province] = number
            code = f"{province}.{number:02d}" if number <= 69 else f"{province}.{number + 1:02d}"
            if code not in used_regencies and number <= 98:
                break
        used_regencies.add(code)
        regencies.append(code)
        if province not in provinces:
            provinces.add(province)
            out.append(Region(province, f"Provinsi {province}", "province", None))
        kind = "Kota" if number > 69 else "Kabupaten"
        out.append(Region(code, f"{kind} Sintetis {code}", "regency", province))
    kecamatan_per_regency = _split(kecamatan_count, len(regencies), rng)
    kecamatan = []
    for regency, count in zip(regencies, kecamatan_per_regency, strict=True):
        for k in range(1, count + 1):
            code = f"{regency}.{k:02d}"
            kecamatan.append(code)
            out.append(Region(code, f"Kecamatan {regency}.{k:02d}", "district", regency))
    for kec, count in zip(kecamatan, _split(remaining, len(kecamatan), rng), strict=True):
        towns = rng.randint(0, min(count, 3)) if rng.random() < 0.2 else 0
        for v in range(1, count + 1):
            urban = v <= towns
            code = f"{kec}.{(1000 if urban else 2000) + (v if urban else v - towns):04d}"
            kind = "Kelurahan" if urban else "Desa"
            out.append(Region(code, f"{kind} {code[-4:]} {kec}", "village", kec))
    return out


def _split(total: int, parts: int, rng: random.Random) -> list[int]:
    """Split a whole into uneven positive parts (largest remainders)."""
    if parts == 0:
        return []
    weights = [rng.uniform(0.5, 1.5) for _ in range(parts)]
    scale = total / sum(weights)
    raw = [w * scale for w in weights]
    counts = [max(1, int(r)) for r in raw]
    for i in sorted(range(parts), key=lambda i: int(raw[i]) - raw[i])[: total - sum(counts)]:
        counts[i] += 1
    while sum(counts) > total and max(counts) > 1:
        counts[counts.index(max(counts))] -= 1
    return counts


def village_plan(
    regions: Sequence[Region], complaints: int, seed: int
) -> list[tuple[str, str, str, int, int, float]]:
    """Per village: (code, kecamatan, regency, complaints, first complaint number, quality)."""
    rng = random.Random(seed + 1)
    villages = [r.code for r in regions if r.level == "village"]
    # Busy and quiet villages: a log-normal caseload; quality drives closing and SLA.
    weights = [rng.lognormvariate(0, 0.7) for _ in villages]
    scale = complaints / sum(weights)
    counts = [int(w * scale) for w in weights]
    order = sorted(range(len(villages)), key=lambda i: int(weights[i] * scale) - weights[i] * scale)
    for i in order[: complaints - sum(counts)]:
        counts[i] += 1
    plan, first = [], 1
    for code, n in zip(villages, counts, strict=True):
        parts = code.split(".")
        quality = rng.betavariate(4, 2)
        plan.append((code, ".".join(parts[:3]), ".".join(parts[:2]), n, first, quality))
        first += n
    return plan


# Each uniform draw is a hash of (row number, salt): the same country whatever the plan's order.
GENERATE = """
CREATE FUNCTION pg_temp.u(i bigint, salt int) RETURNS float8 LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT (hashint8(i * 97 + salt) & 2147483647)::float8 / 2147483648.0 $$;

CREATE TEMP TABLE syn_c AS
SELECT i, v.code AS village, v.kec, v.reg, v.q, received_at,
       CASE WHEN pg_temp.u(i, 2) < 0.08 + 0.2 * (1 - v.q) THEN 'offline_sync'
            WHEN pg_temp.u(i, 3) < 0.2 THEN 'home_visit'
            WHEN pg_temp.u(i, 3) < 0.3 THEN 'phone' ELSE 'walk_in' END AS channel,
       1 + (pg_temp.u(i, 4) > 0.7)::int + (pg_temp.u(i, 4) > 0.95)::int AS needs
FROM syn_villages v, generate_series(v.first, v.first + v.n - 1) AS i,
     LATERAL (SELECT $1::timestamptz
              - make_interval(secs => (0.1 + 364.9 * pg_temp.u(i, 1)) * 86400) AS received_at) t;

CREATE TEMP TABLE syn_need AS
SELECT c.i, j, c.received_at, c.q, s.code AS service, s.sla, s.agencies,
       (pg_temp.u(c.i * 4 + j, 6) < 0.06 AND cardinality(s.agencies) > 1
        AND c.received_at < $1::timestamptz - interval '3 days') AS bounced,
       c.received_at + make_interval(secs => 300 + 7200 * pg_temp.u(c.i * 4 + j, 7)) AS first_at
FROM syn_c c, generate_series(1, c.needs) AS j, syn_services s
WHERE s.idx = width_bucket(pg_temp.u(c.i * 4 + j, 5), $2::float8[]);

CREATE TEMP TABLE syn_r AS
SELECT n.i, n.j, attempt, agency, n.service, dispatched_at, due_at, acknowledged_at,
       resolved_at, outcome, rejected,
       (coalesce(resolved_at, $1) > due_at AND NOT rejected)::int
       + (coalesce(resolved_at, $1) > due_at + interval '7 days' AND NOT rejected)::int
         AS escalations
FROM syn_need n,
LATERAL (
  SELECT 1 AS attempt, n.agencies[1] AS agency, n.first_at AS dispatched_at,
         n.first_at + make_interval(secs => n.sla * 1.4 * 86400) AS due_at,
         CASE WHEN pg_temp.u(n.i * 4 + n.j, 14) < 0.5
              THEN n.first_at + make_interval(secs => 86400 * 0.5 * pg_temp.u(n.i * 4 + n.j, 9))
         END AS acknowledged_at,
         NULL::timestamptz AS resolved_at, NULL AS outcome, true AS rejected
  WHERE n.bounced
  UNION ALL
  SELECT 1 + n.bounced::int, n.agencies[1 + n.bounced::int], d,
         d + make_interval(secs => n.sla * 1.4 * 86400),
         CASE WHEN pg_temp.u(n.i * 4 + n.j, 10) < 0.92
              AND least(ack, coalesce(res, ack)) <= $1 THEN least(ack, coalesce(res, ack)) END,
         CASE WHEN res <= $1 THEN res END,
         CASE WHEN res > $1 OR res IS NULL THEN NULL
              WHEN pg_temp.u(n.i * 4 + n.j, 13) < 0.8 THEN 'resolved'
              WHEN pg_temp.u(n.i * 4 + n.j, 13) < 0.92 THEN 'partially_resolved'
              ELSE 'unresolvable' END,
         false
  FROM (SELECT n.first_at + CASE WHEN n.bounced
                 THEN make_interval(secs => 86400 * (1 + 2 * pg_temp.u(n.i * 4 + n.j, 8)))
                 ELSE interval '0' END AS d) dd,
  LATERAL (SELECT d + make_interval(
                    secs => 86400 * (0.05 + 2.95 * pg_temp.u(n.i * 4 + n.j, 9) ^ 2)) AS ack,
                  CASE WHEN pg_temp.u(n.i * 4 + n.j, 11) < 0.03 + 0.07 * (1 - n.q) THEN NULL
                       ELSE d + make_interval(secs => 86400 * n.sla * 1.4
                            * (0.15 + 1.7 * pg_temp.u(n.i * 4 + n.j, 12) ^ (1 + 2 * n.q)))
                  END AS res) times
) r;

INSERT INTO complaint_facts (complaint_id, village_code, kecamatan_code, regency_code, needs,
                             channel, received_at, recorded_at, closed_at)
SELECT md5('c' || c.i)::uuid, c.village, c.kec, c.reg, c.needs, c.channel, c.received_at,
       c.received_at - CASE WHEN c.channel = 'offline_sync'
         THEN make_interval(secs => 86400 * (0.5 + 9.5 * pg_temp.u(c.i, 5)))
         ELSE make_interval(secs => 3 * 3600 * pg_temp.u(c.i, 5)) END,
       done.closed_at
FROM syn_c c
JOIN (SELECT i, CASE WHEN bool_and(resolved_at IS NOT NULL) THEN max(resolved_at) END
             AS closed_at
      FROM syn_r WHERE NOT rejected GROUP BY i) done USING (i);

INSERT INTO referral_facts (referral_id, complaint_id, agency_code, service_code, dispatched_at,
                            due_at, acknowledged_at, resolved_at, outcome, rejected,
                            escalations, attempt)
SELECT md5('r' || i || ':' || j || ':' || attempt)::uuid, md5('c' || i)::uuid, agency, service,
       dispatched_at, due_at, acknowledged_at, resolved_at, outcome, rejected, escalations,
       attempt
FROM syn_r;
"""


async def load_country(
    dsn: str, regions: Sequence[Region], complaints: int, now: datetime, seed: int
) -> dict[str, float]:
    """Fill monitoring's tables with the synthetic country; return the seconds of each step."""
    timings: dict[str, float] = {}
    conn = await asyncpg.connect(
        dsn,
        server_settings={
            "search_path": "monitoring",
            "temp_buffers": "2GB",
            "work_mem": "256MB",
            "maintenance_work_mem": "1GB",
            "synchronous_commit": "off",
        },
    )
    try:
        started = time.perf_counter()
        await conn.copy_records_to_table(
            "regions",
            records=[(r.code, r.name, r.level, r.parent_code) for r in regions],
            columns=["code", "name", "level", "parent_code"],
        )
        await conn.execute(
            "CREATE TEMP TABLE syn_villages (code text, kec text, reg text, n int,"
            " first bigint, q float8);"
            " CREATE TEMP TABLE syn_services (idx int, code text, sla float8, agencies text[])"
        )
        plan = [p for p in village_plan(regions, complaints, seed) if p[3] > 0]
        await conn.copy_records_to_table("syn_villages", records=plan)
        services = _services()
        await conn.copy_records_to_table(
            "syn_services",
            records=[
                (i, code, sla, agencies) for i, (code, sla, agencies, _) in enumerate(services)
            ],
        )
        total = sum(w for *_, w in services)
        bounds, running = [], 0.0
        for *_, weight in services[:-1]:
            running += weight / total
            bounds.append(running)
        timings["plan_s"] = time.perf_counter() - started

        # Indexes are built once after the bulk insert rather than kept up row by row.
        indexes = await conn.fetch(
            "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'monitoring'"
            " AND tablename IN ('complaint_facts', 'referral_facts')"
            " AND indexname NOT LIKE '%_pkey'"
        )
        for index in indexes:
            await conn.execute(f"DROP INDEX {index['indexname']}")
        for table in ("complaint_facts", "referral_facts"):
            await conn.execute(f"ALTER TABLE {table} DROP CONSTRAINT {table}_pkey")
        started = time.perf_counter()
        await conn.execute(_bind(GENERATE, now, bounds))
        timings["generate_and_insert_s"] = time.perf_counter() - started
        started = time.perf_counter()
        await conn.execute("ALTER TABLE complaint_facts ADD PRIMARY KEY (complaint_id)")
        await conn.execute("ALTER TABLE referral_facts ADD PRIMARY KEY (referral_id)")
        for index in indexes:
            await conn.execute(index["indexdef"])
        timings["index_s"] = time.perf_counter() - started
        started = time.perf_counter()
        await conn.execute("ANALYZE regions; ANALYZE complaint_facts; ANALYZE referral_facts")
        timings["analyze_s"] = time.perf_counter() - started
    finally:
        await conn.close()
    return timings


@functools.cache
def _services() -> list[tuple[str, float, list[str], float]]:
    """(code, SLA in working days, agencies in routing order, weight) of each catalogue service."""
    path = ROOT / "shared" / "src" / "slrt_shared" / "reference" / "services.csv"
    with path.open() as f:
        rows = list(csv.DictReader(f))
    return [
        (
            r["code"],
            float(r["sla_working_days"]),
            r["agencies"].split(";"),
            float(SERVICE_WEIGHTS.get(r["code"], 1)),
        )
        for r in rows
    ]


def _bind(sql: str, now: datetime, bounds: list[float]) -> str:
    # A multi-statement script takes no parameters: the two values are written in as literals.
    return (
        sql.replace("$1::timestamptz", f"'{now.isoformat()}'::timestamptz")
        .replace("$1", f"'{now.isoformat()}'::timestamptz")
        .replace("$2::float8[]", "ARRAY[" + ",".join(repr(b) for b in bounds) + "]::float8[]")
    )


# ------------------------------------------------------------ the same cases told as events


def case_events(complaint: dict[str, Any], referrals: list[dict[str, Any]]) -> list[EventData]:
    """The events that make monitoring's handlers write exactly these rows."""
    finals = sorted(
        (r for r in referrals if not r["rejected"]),
        key=lambda r: (r["service_code"], str(r["referral_id"])),
    )
    cid = complaint["complaint_id"]
    ticket = f"SLRT-{str(cid)[:4].upper()}-{str(cid)[4:8].upper()}"
    village = complaint["village_code"]
    needs = [r["service_code"] for r in finals][: complaint["needs"]]
    out: list[EventData] = [
        ComplaintCreated(
            complaint_id=cid,
            ticket=ticket,
            village_code=village,
            needs=needs or ["LAINNYA"],
            channel=complaint["channel"],
            received_at=complaint["received_at"],
            recorded_at=complaint["recorded_at"],
        )
    ]
    for r in referrals:
        out.append(
            ReferralDispatched(
                referral_id=r["referral_id"],
                complaint_id=cid,
                ticket=ticket,
                village_code=village,
                service_code=r["service_code"],
                agency_code=r["agency_code"],
                attempt=r["attempt"],
                dispatched_at=r["dispatched_at"],
                due_at=r["due_at"],
            )
        )
        if r["acknowledged_at"] is not None:
            out.append(_updated(r, cid, "acknowledged", r["acknowledged_at"]))
        if r["rejected"]:
            out.append(_updated(r, cid, "rejected", r["dispatched_at"] + timedelta(days=1)))
        out += [
            ReferralEscalated(
                referral_id=r["referral_id"],
                complaint_id=cid,
                level="kecamatan" if n == 0 else "kabupaten",
                at=r["due_at"] + timedelta(days=7 * n),
            )
            for n in range(r["escalations"])
        ]
        if r["resolved_at"] is not None:
            out.append(
                CaseResolved(
                    referral_id=r["referral_id"],
                    complaint_id=cid,
                    agency_code=r["agency_code"],
                    outcome=r["outcome"],
                    resolved_at=r["resolved_at"],
                )
            )
    if complaint["closed_at"] is not None:
        out.append(
            ComplaintClosed(
                complaint_id=cid,
                ticket=ticket,
                village_code=village,
                closed_at=complaint["closed_at"],
                outcomes=[
                    ReferralOutcome(
                        referral_id=r["referral_id"],
                        service_code=r["service_code"],
                        agency_code=r["agency_code"],
                        outcome=r["outcome"],
                    )
                    for r in finals
                ],
            )
        )
    return out


def _updated(r: dict[str, Any], cid: uuid.UUID, status: str, at: datetime) -> ReferralUpdated:
    return ReferralUpdated(
        referral_id=r["referral_id"],
        complaint_id=cid,
        agency_code=r["agency_code"],
        status=status,  # type: ignore[arg-type]
        at=at,
    )


SOURCES = {
    topics.COMPLAINT_CREATED: "/slrt/intake",
    topics.CASE_RESOLVED: "/slrt/agency-gateway",
    topics.REFERRAL_UPDATED: "/slrt/agency-gateway",
}


async def publish(
    producer: AIOKafkaProducer, prefix: str, data: EventData, subject: uuid.UUID
) -> None:
    """Send one event as its producing service would: a CloudEvent keyed by the complaint."""
    event = new_event(data, source=SOURCES.get(data.topic, "/slrt/referral"), subject=subject)
    await producer.send(
        f"{prefix}{data.topic}",
        event.to_bytes(),
        key=str(subject).encode(),
        headers=[("content-type", CONTENT_TYPE.encode())],
    )


# ----------------------------------------------------------------------------- measuring


def summary(samples: list[float]) -> dict[str, float | int | None]:
    """Median, 95th and 99th percentile and maximum of samples (seconds)."""
    if not samples:
        return {"n": 0, "p50": None, "p95": None, "p99": None, "max": None}
    ordered = sorted(samples)

    def pick(q: float) -> float:
        return round(ordered[min(len(ordered) - 1, math.ceil(q * len(ordered)) - 1)], 4)

    return {
        "n": len(ordered),
        "p50": round(statistics.median(ordered), 4),
        "p95": pick(0.95),
        "p99": pick(0.99),
        "max": round(ordered[-1], 4),
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


@dataclass
class Probe:
    """A complaint published to see when it shows: in the live, national and announced rankings."""

    village: str
    regency: str
    kecamatan: str
    expected: int
    sent: float = 0.0
    seen: dict[str, float] = field(default_factory=dict)


async def metric(http: httpx.AsyncClient, name: str) -> float:
    """A Prometheus sample's value from /metrics (0 if absent)."""
    text = (await http.get("/metrics")).text
    for line in text.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[-1])
    return 0.0


async def consumer_lag(admin: AIOKafkaAdminClient, ends: AIOKafkaConsumer, group: str,
                       parts: list[TopicPartition]) -> int:  # fmt: skip
    """Records published to monitoring's topics and not yet committed by its group."""
    committed = await admin.list_consumer_group_offsets(group)
    end = await ends.end_offsets(parts)
    return sum(end[tp] - (committed[tp].offset if tp in committed else 0) for tp in parts)


async def stream(
    http: httpx.AsyncClient,
    bootstrap: str,
    prefix: str,
    dsn: str,
    regions: Sequence[Region],
    rate: float,
    seconds: float,
    probe_every: float,
    seed: int,
) -> dict[str, Any]:
    """Publish events at a fixed rate; time each probe until it shows; sample consumer lag."""
    rng = random.Random(seed + 7)
    now = datetime.now(UTC)
    month = now.strftime("%Y-%m")
    villages = [r.code for r in regions if r.level == "village"]
    probes = [
        Probe(v, ".".join(v.split(".")[:2]), v.rsplit(".", 1)[0], 0)
        for v in rng.sample(villages, int(seconds / probe_every) + 1)
    ]
    conn = await asyncpg.connect(dsn)
    try:
        start = datetime(now.year, now.month, 1, tzinfo=UTC)
        counts = dict(
            await conn.fetch(
                "SELECT village_code, count(*) FROM complaint_facts WHERE village_code = ANY($1)"
                " AND received_at >= $2 GROUP BY 1",
                [p.village for p in probes],
                start,
            )
        )
        for p in probes:
            p.expected = counts.get(p.village, 0) + 1
        open_cases = [
            dict(r)
            for r in await conn.fetch(
                "SELECT c.complaint_id, c.village_code, r.referral_id, r.agency_code,"
                " r.service_code FROM complaint_facts c JOIN referral_facts r USING (complaint_id)"
                " WHERE c.closed_at IS NULL AND c.needs = 1 AND NOT r.rejected"
                " AND r.resolved_at IS NULL AND c.received_at IS NOT NULL LIMIT $1",
                int(rate * seconds) + 10,
            )
        ]
    finally:
        await conn.close()
    rng.shuffle(open_cases)
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=5)
    announced = AIOKafkaConsumer(
        f"{prefix}{topics.RANKING_UPDATED}",
        bootstrap_servers=bootstrap,
        auto_offset_reset="latest",
        enable_auto_commit=False,
        max_partition_fetch_bytes=64 * 1024 * 1024,
        fetch_max_bytes=128 * 1024 * 1024,
    )
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    ends = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await asyncio.gather(producer.start(), announced.start(), admin.start(), ends.start())
    consumed = [
        f"{prefix}{t}"
        for t in (
            topics.COMPLAINT_CREATED,
            topics.REFERRAL_DISPATCHED,
            topics.REFERRAL_UPDATED,
            topics.REFERRAL_ESCALATED,
            topics.CASE_RESOLVED,
            topics.COMPLAINT_CLOSED,
        )
    ]
    parts = [
        TopicPartition(t, p) for t in consumed for p in sorted(ends.partitions_for_topic(t) or [])
    ]
    if not parts:
        await ends._client.force_metadata_update()
        parts = [
            TopicPartition(t, p)
            for t in consumed
            for p in sorted(ends.partitions_for_topic(t) or [])
        ]
    group = f"{prefix}slrt-monitoring"
    lags: list[int] = []
    sent_events = 0
    pending = list(probes)
    stop = asyncio.Event()

    async def produce() -> None:
        nonlocal sent_events
        started = time.perf_counter()
        next_probe = 0
        tick = 0
        while time.perf_counter() - started < seconds:
            due = started + tick / rate
            await asyncio.sleep(max(0.0, due - time.perf_counter()))
            elapsed = time.perf_counter() - started
            if next_probe < len(probes) and elapsed >= next_probe * probe_every:
                probe = probes[next_probe]
                next_probe += 1
                probe.sent = time.perf_counter()
                for data in new_complaint(probe.village, rng):
                    await publish(producer, prefix, data, data.complaint_id)  # type: ignore[attr-defined]
                    sent_events += 1
                await producer.flush()
                tick += 1
                continue
            choice = rng.random()
            if choice < 0.4 or not open_cases:
                events = new_complaint(rng.choice(villages), rng)
            elif choice < 0.55:
                case = open_cases[-1]
                events = [
                    ReferralUpdated(
                        referral_id=case["referral_id"],
                        complaint_id=case["complaint_id"],
                        agency_code=case["agency_code"],
                        status="acknowledged",
                        at=datetime.now(UTC),
                    )
                ]
            else:
                case = open_cases.pop()
                events = resolution(case)
            for data in events:
                await publish(producer, prefix, data, data.complaint_id)  # type: ignore[attr-defined]
                sent_events += 1
            tick += len(events)
        await producer.flush()

    async def sample_lag() -> None:
        while not stop.is_set():
            lags.append(await consumer_lag(admin, ends, group, parts))
            await asyncio.sleep(1.0)

    async def watch_announcements() -> None:
        while not stop.is_set():
            batches = await announced.getmany(timeout_ms=500, max_records=50)
            received = time.perf_counter()
            for records in batches.values():
                for record in records:
                    data = json.loads(record.value)["data"]
                    if data["period"] != month or data["level"] != "village":
                        continue
                    rows = {row["code"]: row for row in data["rows"]}
                    for p in probes:
                        row = rows.get(p.village)
                        seen = p.sent and "announced" not in p.seen and row
                        if seen and row["complaints"] >= p.expected:
                            p.seen["announced"] = received - p.sent

    async def poll(kind: str, params: Callable[[Probe], dict[str, Any]]) -> None:
        while not stop.is_set():
            for p in [p for p in probes if p.sent and kind not in p.seen]:
                asked = time.perf_counter()
                response = await http.get("/v1/rankings", params=params(p))
                rows = {row["code"]: row for row in response.json().get("rows", [])}
                if rows.get(p.village, {}).get("received", 0) >= p.expected:
                    p.seen[kind] = asked - p.sent
            await asyncio.sleep(0.25)

    tasks = [
        asyncio.create_task(sample_lag()),
        asyncio.create_task(watch_announcements()),
        asyncio.create_task(
            poll(
                "live",
                lambda p: {
                    "level": "village",
                    "regency": p.regency,
                    "kecamatan": p.kecamatan,
                    "period": month,
                },
            )
        ),
        asyncio.create_task(
            poll(
                "national",
                lambda p: {
                    "level": "village",
                    "regency": "all",
                    "kecamatan": p.kecamatan,
                    "period": month,
                },
            )
        ),
    ]
    started = time.perf_counter()
    await produce()
    produced_for = time.perf_counter() - started
    deadline = time.perf_counter() + max(180.0, seconds)
    while time.perf_counter() < deadline:
        if all(len(p.seen) == 3 for p in probes if p.sent):
            break
        await asyncio.sleep(1.0)
    drained_lag = await consumer_lag(admin, ends, group, parts)
    stop.set()
    await asyncio.gather(*tasks, return_exceptions=True)
    await asyncio.gather(producer.stop(), announced.stop(), admin.close(), ends.stop())
    del pending
    sent = [p for p in probes if p.sent]
    return {
        "rate_events_per_s": rate,
        "seconds": round(produced_for, 1),
        "events_published": sent_events,
        "probes": len(sent),
        "staleness_live_regency_s": summary([p.seen["live"] for p in sent if "live" in p.seen]),
        "staleness_national_s": summary([p.seen["national"] for p in sent if "national" in p.seen]),
        "staleness_ranking_updated_s": summary(
            [p.seen["announced"] for p in sent if "announced" in p.seen]
        ),
        "not_seen": {
            kind: sum(1 for p in sent if kind not in p.seen)
            for kind in ("live", "national", "announced")
        },
        "consumer_lag_records": {
            "p50": statistics.median(lags) if lags else None,
            "max": max(lags) if lags else None,
            "after_stream": drained_lag,
        },
    }


def new_complaint(village: str, rng: random.Random) -> list[EventData]:
    """complaint.created and the referral.dispatched of its one need, happening now."""
    now = datetime.now(UTC)
    cid, rid = uuid.uuid4(), uuid.uuid4()
    ticket = f"SLRT-{cid.hex[:4].upper()}-{cid.hex[4:8].upper()}"
    service = rng.choice(list(SERVICE_WEIGHTS))
    agency = next(s for s in _services() if s[0] == service)[2][0]
    return [
        ComplaintCreated(
            complaint_id=cid,
            ticket=ticket,
            village_code=village,
            needs=[service],
            channel="walk_in",
            received_at=now,
            recorded_at=now - timedelta(minutes=5),
        ),
        ReferralDispatched(
            referral_id=rid,
            complaint_id=cid,
            ticket=ticket,
            village_code=village,
            service_code=service,
            agency_code=agency,
            attempt=1,
            dispatched_at=now,
            due_at=now + timedelta(days=7),
        ),
    ]


def resolution(case: dict[str, Any]) -> list[EventData]:
    """case.resolved of an open case's one referral, and the complaint.closed that follows."""
    now = datetime.now(UTC)
    return [
        CaseResolved(
            referral_id=case["referral_id"],
            complaint_id=case["complaint_id"],
            agency_code=case["agency_code"],
            outcome="resolved",
            resolved_at=now,
        ),
        ComplaintClosed(
            complaint_id=case["complaint_id"],
            ticket="SLRT-BNCH-MARK",
            village_code=case["village_code"],
            closed_at=now,
            outcomes=[
                ReferralOutcome(
                    referral_id=case["referral_id"],
                    service_code=case["service_code"],
                    agency_code=case["agency_code"],
                    outcome="resolved",
                )
            ],
        ),
    ]


# ----------------------------------------------------------------------------- running it


def free_port() -> int:
    """A TCP port nobody listens on."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def wait_for(probe: Callable[[], Awaitable[bool]], within: float, what: str) -> float:
    """Poll until true; return the seconds it took."""
    started = time.perf_counter()
    while time.perf_counter() - started < within:
        if await probe():
            return time.perf_counter() - started
        await asyncio.sleep(0.5)
    raise SystemExit(f"{what} not reached within {within:.0f}s")


async def run(args: argparse.Namespace) -> dict[str, Any]:
    """The whole benchmark; returns the results."""
    from slrt_devstack import provision
    from slrt_devstack.infra import ensure_infra

    endpoints = await asyncio.to_thread(ensure_infra, ROOT)
    admin_url = endpoints.database_url
    run_id = "n" + secrets.token_hex(4)
    dbname = f"slrt_{run_id}"
    prefix = f"{run_id}."
    from slrt_shared.contracts.topics import TopicLayout

    layout = TopicLayout(prefix)
    results: dict[str, Any] = {
        "scale": {"villages": args.villages, "complaints": args.complaints, "seed": args.seed},
        "machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0]},
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    dsns = await provision.create_database(admin_url, dbname, role_prefix=f"{run_id}_")
    dsn = dsns["monitoring"]
    await provision.create_topics(
        endpoints.kafka_bootstrap_servers, layout, list(reference.agencies()), partitions=6
    )
    service: subprocess.Popen[bytes] | None = None
    log_path = ROOT / ".local" / "logs" / f"national-{run_id}.log"
    try:
        await db.migrate(dsn, "monitoring", "monitoring", MIGRATIONS)
        regions = synthetic_regions(args.villages, args.seed)
        now = datetime.now(UTC)
        print(f"loading {args.complaints:,} complaints in {args.villages:,} villages ...")
        started = time.perf_counter()
        timings = await load_country(dsn, regions, args.complaints, now, args.seed)
        load_seconds = time.perf_counter() - started
        results["load"] = {"seconds": round(load_seconds, 1), **_rounded(timings)}
        results["database"] = await database_size(admin_url, dbname)
        results["country"] = {
            level: sum(1 for r in regions if r.level == level)
            for level in ("province", "regency", "district", "village")
        }
        print(f"loaded in {load_seconds:.0f}s: {results['database']}")

        regencies = sorted(r.code for r in regions if r.level == "regency")
        port = free_port()
        env = {
            **os.environ,
            "MONITORING_DATABASE_URL": dsn,
            "MONITORING_HTTP_PORT": str(port),
            "MONITORING_REGENCY_CODES": ",".join(regencies),
            "MONITORING_NATIONAL_RANKING": "true",
            "MONITORING_RANKING_INTERVAL_SECONDS": str(args.interval),
            "MONITORING_LOG_JSON": "false",
            "KAFKA_BOOTSTRAP_SERVERS": endpoints.kafka_bootstrap_servers,
            "SLRT_TOPIC_PREFIX": prefix,
        }
        log_path.parent.mkdir(parents=True, exist_ok=True)
        with log_path.open("wb") as log:
            service = subprocess.Popen(  # noqa: ASYNC220 - the service runs beside us
                [sys.executable, "-m", "monitoring", "serve"],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=ROOT,
            )
        base = f"http://127.0.0.1:{port}"
        async with httpx.AsyncClient(base_url=base, timeout=600) as http:

            async def ready() -> bool:
                try:
                    return (await http.get("/readyz")).status_code == 200
                except httpx.HTTPError:
                    return False

            await wait_for(ready, 120, "monitoring /readyz")

            async def first_cycle() -> bool:
                return await metric(http, "slrt_monitoring_ranking_recompute_seconds_count") >= 1

            first = await wait_for(first_cycle, 3600, "the first ranking job cycle")
            results["first_job_cycle_s"] = round(first, 1)
            results["http"] = await http_times(http, regions, now, args.repeat)
            total = await metric(http, "slrt_monitoring_ranking_recompute_seconds_sum")
            count = await metric(http, "slrt_monitoring_ranking_recompute_seconds_count")
            results["ranking_job"] = {
                "cycles": int(count),
                "mean_recompute_s": round(total / count, 2) if count else None,
                "interval_s": args.interval,
                "rankings_per_cycle": len(regencies) * 6 + 4,
            }
            print("streaming events ...")
            results["stream"] = await stream(
                http,
                endpoints.kafka_bootstrap_servers,
                prefix,
                dsn,
                regions,
                args.rate,
                args.seconds,
                args.probe_every,
                args.seed,
            )
            total = await metric(http, "slrt_monitoring_ranking_recompute_seconds_sum")
            count2 = await metric(http, "slrt_monitoring_ranking_recompute_seconds_count")
            if count2 > count:
                results["ranking_job"]["cycles_under_stream"] = int(count2 - count)
            results["ranking_job"]["mean_recompute_s"] = round(total / count2, 2)
    finally:
        if service is not None:
            service.terminate()
            try:
                service.wait(timeout=30)
            except subprocess.TimeoutExpired:
                service.kill()
        if not args.keep:
            await provision.delete_topics(endpoints.kafka_bootstrap_servers, prefix)
            await provision.drop_database(admin_url, dbname, role_prefix=f"{run_id}_")
        else:
            results["kept"] = {"database": dbname, "topic_prefix": prefix}
    results["finished_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    return results


def _rounded(values: dict[str, float]) -> dict[str, float]:
    return {k: round(v, 1) for k, v in values.items()}


async def database_size(admin_url: str, dbname: str) -> dict[str, Any]:
    """The scratch database's size and its largest tables and indexes."""
    url = admin_url.rsplit("/", 1)[0] + f"/{dbname}"
    conn = await asyncpg.connect(url)
    try:
        total = await conn.fetchval("SELECT pg_database_size(current_database())")
        tables = await conn.fetch(
            "SELECT c.relname, pg_total_relation_size(c.oid) AS bytes, c.reltuples::bigint AS rows"
            " FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE n.nspname = 'monitoring' AND c.relkind = 'r' ORDER BY 2 DESC LIMIT 6"
        )
    finally:
        await conn.close()
    return {
        "total_mb": round(total / 2**20),
        "tables": {
            t["relname"]: {"mb": round(t["bytes"] / 2**20), "rows": t["rows"]} for t in tables
        },
    }


async def http_times(
    http: httpx.AsyncClient, regions: Sequence[Region], now: datetime, repeat: int
) -> list[dict[str, Any]]:
    """Response times of the rankings and report cards, one request at a time."""
    month = now.strftime("%Y-%m")
    previous = (now.replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
    villages_of: dict[str, int] = {}
    for r in regions:
        if r.level == "village":
            key = ".".join(r.code.split(".")[:2])
            villages_of[key] = villages_of.get(key, 0) + 1
    biggest = max(villages_of, key=lambda k: villages_of[k])
    village = next(r.code for r in regions if r.level == "village" and r.code.startswith(biggest))
    calls: list[tuple[str, dict[str, Any], int]] = []
    for period in (month, "rolling-30d"):
        for level in ("village", "kecamatan", "agency"):
            calls.append(("/v1/rankings", {"level": level, "regency": biggest, "period": period},
                          repeat))  # fmt: skip
        for level in ("village", "kecamatan"):
            calls.append(("/v1/rankings", {"level": level, "regency": "all", "period": period,
                                           "limit": 100}, repeat))  # fmt: skip
        calls.append(("/v1/rankings", {"level": "village", "regency": "all", "period": period},
                      max(3, repeat // 5)))  # fmt: skip
    calls.append(("/v1/rankings", {"level": "village", "regency": "all", "period": previous,
                                   "limit": 100}, 2))  # fmt: skip
    calls.append((f"/v1/puskesos/{village}", {"period": month}, repeat))
    calls.append((f"/v1/puskesos/{village}", {}, max(3, repeat // 5)))
    out = []
    for path, params, times in calls:
        result = await time_calls(http, path, params, times)
        out.append(result)
        print(f"  {path} {params}: p50 {result['p50']}s p95 {result['p95']}s")
    return out


def print_table(results: dict[str, Any]) -> None:
    """The results as a readable table."""
    print()
    print(f"scale      {results['scale']}")
    print(f"load       {results['load']}")
    print(f"database   {results['database']['total_mb']} MB")
    print(f"{'request':<78} {'p50 s':>8} {'p95 s':>8} {'rows':>7}")
    for r in results["http"]:
        params = "&".join(f"{k}={v}" for k, v in r["params"].items())
        print(f"{r['path'] + '?' + params:<78} {r['p50']:>8} {r['p95']:>8} {r['rows'] or '':>7}")
    print(f"ranking job {results['ranking_job']}")
    s = results["stream"]
    print(f"stream     {s['rate_events_per_s']}/s for {s['seconds']}s, {s['probes']} probes")
    for kind in ("live_regency", "national", "ranking_updated"):
        print(f"staleness  {kind:<16} {s[f'staleness_{kind}_s']}")
    print(f"lag        {s['consumer_lag_records']}")


def main() -> None:
    """Parse the options, run, print and save."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--villages", type=int, default=5_000)
    parser.add_argument("--complaints", type=int, default=300_000)
    parser.add_argument("--seed", type=int, default=2025)
    parser.add_argument("--repeat", type=int, default=20, help="Calls per timed request.")
    parser.add_argument("--rate", type=float, default=50, help="Events per second streamed.")
    parser.add_argument("--seconds", type=float, default=120, help="How long to stream.")
    parser.add_argument("--probe-every", type=float, default=2.0)
    parser.add_argument("--interval", type=float, default=5.0, help="Ranking job interval.")
    parser.add_argument("--keep", action="store_true", help="Keep the scratch database/topics.")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    results = asyncio.run(run(args))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2, default=str) + "\n")
    print_table(results)
    print(f"\nwritten to {args.out}")


if __name__ == "__main__":
    main()
