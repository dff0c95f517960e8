"""What a district, a province and the country need, from a run's measured cost per complaint.

The peak is the morning sync: every Puskesos of the area sends a day's complaints registered
offline within a quarter of an hour. Cores are sized to run at `UTILISATION` at that peak; each
service keeps at least two replicas (one may be drained or restarting); partitions allow twice
the largest replica count so a service can scale out without repartitioning. Storage grows by
the measured bytes per complaint: Postgres once (plus its standby), Kafka on every replica of
its topics, which keep events without a time limit (the platform's history).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

SERVICES = ("intake", "referral", "agency-gateway", "monitoring")
UTILISATION = 0.6
MIN_REPLICAS = 2
KAFKA_REPLICATION = 3
POSTGRES_COPIES = 2  # the primary and one standby


@dataclass(frozen=True)
class Area:
    """An area served by one deployment and what its busiest quarter hour looks like."""

    name: str
    villages: int
    complaints_per_village_per_day: float = 20.0  # a busy desk's day, sent at once
    burst_seconds: float = 900.0
    complaints_per_village_per_year: float = 300.0

    @property
    def peak_per_s(self) -> float:
        """Complaints per second at the morning sync."""
        return self.villages * self.complaints_per_village_per_day / self.burst_seconds

    @property
    def per_year(self) -> float:
        """Complaints registered in a year."""
        return self.villages * self.complaints_per_village_per_year


# Karawang's villages; West Java's (the province with the most); Indonesia's (Kemendagri).
AREAS = (
    Area("district (Karawang)", 309),
    Area("province (Jawa Barat)", 5_957),
    Area("country (Indonesia)", 83_000),
)


@dataclass(frozen=True)
class Cost:
    """What one complaint costs, as measured."""

    cpu_seconds: dict[str, float]  # per process kind: the four services, "postgres", "kafka"
    commits: float
    statements: float | None
    records_produced: float
    postgres_bytes: float
    kafka_bytes: float


def cost_of(step: dict[str, Any], postgres_bytes: float, kafka_bytes: float) -> Cost:
    """The cost per complaint of one bench step (its CPU, commits, statements and records)."""
    each = step["costs"]["per_complaint"]
    cpu = {k: v or 0.0 for k, v in each["cpu_seconds"].items()}
    cpu["postgres"] = cpu.get("postgres-run", 0.0) + cpu.get("postgres", 0.0)
    return Cost(
        cpu_seconds={k: cpu.get(k, 0.0) for k in (*SERVICES, "postgres", "kafka")},
        commits=each["postgres"]["xact_commit"] or 0.0,
        statements=each["postgres"].get("statements"),
        records_produced=each["kafka"].get("produced") or 0.0,
        postgres_bytes=postgres_bytes,
        kafka_bytes=kafka_bytes,
    )


def plan(area: Area, cost: Cost) -> dict[str, Any]:
    """Cores, replicas, partitions, Postgres and Kafka sizes for an area's peak and year."""
    rate = area.peak_per_s

    def cores(kind: str) -> float:
        return round(rate * cost.cpu_seconds[kind] / UTILISATION, 2)

    replicas = {s: max(MIN_REPLICAS, math.ceil(cores(s))) for s in SERVICES}
    partitions = max(12, 6 * math.ceil(2 * max(replicas.values()) / 6))
    year = area.per_year
    return {
        "area": area.name,
        "villages": area.villages,
        "peak_complaints_per_s": round(rate, 1),
        "service_cores": {s: cores(s) for s in SERVICES},
        "replicas": replicas,
        "partitions": partitions,
        "postgres": {
            "cores": cores("postgres"),
            "commits_per_s": round(rate * cost.commits),
            "statements_per_s": None if cost.statements is None else round(rate * cost.statements),
            "gb_per_year": round(year * cost.postgres_bytes * POSTGRES_COPIES / 1e9, 1),
        },
        "kafka": {
            "cores": cores("kafka"),
            "records_per_s": round(rate * cost.records_produced),
            "gb_per_year": round(year * cost.kafka_bytes * KAFKA_REPLICATION / 1e9, 1),
        },
        "total_cores": round(sum(cores(k) for k in (*SERVICES, "postgres", "kafka")), 1),
    }


def table(plans: list[dict[str, Any]]) -> str:
    """The plans as a Markdown table (one row per area)."""
    lines = [
        "| area | peak/s | cores (svc + PG + Kafka) | replicas i/r/g/m | partitions"
        " | PG commits/s | PG GB/yr | Kafka records/s | Kafka GB/yr |",
        "|---|---:|---:|---|---:|---:|---:|---:|---:|",
    ]
    for p in plans:
        r = p["replicas"]
        svc = sum(p["service_cores"].values())
        lines.append(
            f"| {p['area']} | {p['peak_complaints_per_s']} | {p['total_cores']} "
            f"({svc:.1f} + {p['postgres']['cores']} + {p['kafka']['cores']}) "
            f"| {r['intake']}/{r['referral']}/{r['agency-gateway']}/{r['monitoring']} "
            f"| {p['partitions']} | {p['postgres']['commits_per_s']} "
            f"| {p['postgres']['gb_per_year']} | {p['kafka']['records_per_s']} "
            f"| {p['kafka']['gb_per_year']} |"
        )
    return "\n".join(lines)
