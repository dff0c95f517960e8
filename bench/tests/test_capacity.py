"""The capacity model's arithmetic, from a bench step's per-complaint costs."""

from __future__ import annotations

from typing import Any

from slrt_bench import capacity


def step(cpu: dict[str, float], commits: float = 8.0) -> dict[str, Any]:
    """A bench step's figures as far as the model reads them."""
    return {
        "costs": {
            "per_complaint": {
                "cpu_seconds": cpu,
                "postgres": {"xact_commit": commits, "statements": 40.0},
                "kafka": {"produced": 10.0, "consumed": 20.0},
            }
        }
    }


CPU = {
    "intake": 0.006,
    "referral": 0.003,
    "agency-gateway": 0.006,
    "monitoring": 0.003,
    "postgres-run": 0.009,
    "postgres": 0.001,
    "kafka": 0.003,
    "bench": 0.004,
}


def test_the_morning_sync_sets_the_peak() -> None:
    district = capacity.Area("d", 309)
    assert round(district.peak_per_s, 2) == round(309 * 20 / 900, 2)
    assert district.per_year == 309 * 300


def test_cores_follow_the_peak_rate_at_the_planned_utilisation() -> None:
    cost = capacity.cost_of(step(CPU), postgres_bytes=10_000, kafka_bytes=15_000)
    area = capacity.Area("x", 900, complaints_per_village_per_day=100)  # 100/s at peak
    plan = capacity.plan(area, cost)
    assert plan["peak_complaints_per_s"] == 100
    assert plan["service_cores"]["intake"] == round(100 * 0.006 / 0.6, 2) == 1.0
    # the run's backends and the rest of the server are both Postgres' work; the load is not
    assert plan["postgres"]["cores"] == round(100 * 0.010 / 0.6, 2)
    assert plan["total_cores"] == round(
        100 * (0.006 + 0.003 + 0.006 + 0.003 + 0.010 + 0.003) / 0.6, 1
    )
    assert plan["postgres"]["commits_per_s"] == 800
    assert plan["postgres"]["statements_per_s"] == 4000
    assert plan["kafka"]["records_per_s"] == 1000


def test_every_service_keeps_two_replicas_and_partitions_leave_room_to_scale() -> None:
    cost = capacity.cost_of(step(CPU), 1, 1)
    small = capacity.plan(capacity.Area("d", 309), cost)
    assert set(small["replicas"].values()) == {2} and small["partitions"] == 12
    big = capacity.plan(capacity.Area("c", 83_000), cost)
    # 1,844/s: intake needs ceil(1844 * 0.006 / 0.6) = 19 replicas, partitions twice that
    assert big["replicas"]["intake"] == 19
    assert big["partitions"] == 42 and big["partitions"] >= 2 * 19


def test_storage_counts_the_standby_and_every_kafka_replica() -> None:
    cost = capacity.cost_of(step(CPU), postgres_bytes=10_000, kafka_bytes=5_000)
    plan = capacity.plan(capacity.Area("d", 1000), cost)  # 300,000 complaints a year
    assert plan["postgres"]["gb_per_year"] == round(300_000 * 10_000 * 2 / 1e9, 1) == 6.0
    assert plan["kafka"]["gb_per_year"] == round(300_000 * 5_000 * 3 / 1e9, 1) == 4.5


def test_the_table_has_a_row_per_area() -> None:
    cost = capacity.cost_of(step(CPU), 1, 1)
    text = capacity.table([capacity.plan(a, cost) for a in capacity.AREAS])
    assert len(text.splitlines()) == 2 + len(capacity.AREAS)
    assert "country (Indonesia)" in text
