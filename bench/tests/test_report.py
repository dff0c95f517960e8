"""The bench's arithmetic: the primitive bound, the efficiency, the costs per complaint."""

from __future__ import annotations

from slrt_bench import counters, cpu, report

PRIMITIVES = {
    "bare_http_requests_per_s": 600.0,
    "kafka_produce_per_s": 15_000.0,
    "kafka_consume_per_s": 120_000.0,
    "postgres_commits_per_s": 5_400.0,
}


def test_the_bound_is_the_smallest_primitive_over_what_a_complaint_needs_of_it() -> None:
    bound = report.bound(PRIMITIVES)
    assert bound["by_http_per_s"] == 200.0  # 600 requests/s over 3 calls
    assert bound["by_kafka_per_s"] == 5_000.0  # the slower of produce and consume, 3 records
    assert bound["by_postgres_per_s"] == 1_800.0  # 3 commits
    assert (bound["complaints_per_s"], bound["limited_by"]) == (200.0, "http")


def test_a_slow_postgres_becomes_the_bound() -> None:
    bound = report.bound({**PRIMITIVES, "postgres_commits_per_s": 300.0})
    assert (bound["complaints_per_s"], bound["limited_by"]) == (100.0, "postgres")


def test_efficiency_is_the_sustained_rate_over_the_bound() -> None:
    assert report.efficiency(50.0, 200.0) == 0.25
    assert report.efficiency(49.0, 0.0) == 0.0


def test_counters_grow_by_their_difference_and_unknown_ones_stay_unknown() -> None:
    before = {"xact_commit": 100, "tup_inserted": 7, "statements": None}
    after = {"xact_commit": 370, "tup_inserted": 47, "statements": None}
    grown = counters.deltas(before, after)
    assert grown == {"xact_commit": 270, "tup_inserted": 40, "statements": None}
    assert counters.per_complaint(grown, 10) == {
        "xact_commit": 27.0,
        "tup_inserted": 4.0,
        "statements": None,
    }
    assert counters.per_complaint(grown, 0)["xact_commit"] is None


def test_a_step_s_costs_per_complaint() -> None:
    spent = cpu.spent({"intake": 1.0, "postgres-backend-7": 2.0}, {
        "intake": 3.0, "postgres-backend-7": 2.5, "postgres-backend-9": 1.5
    })  # fmt: skip
    seconds = cpu.grouped(spent, "postgres-backend-", "postgres-run")
    assert seconds == {"intake": 2.0, "postgres-run": 2.0}
    cost = report.costs(
        {"xact_commit": 90, "statements": 400},
        {"produced": 30, "consumed": 60},
        seconds,
        complaints=10,
    )
    each = cost["per_complaint"]
    assert each["postgres"] == {"xact_commit": 9.0, "statements": 40.0}
    assert each["kafka"] == {"produced": 3.0, "consumed": 6.0}
    assert each["cpu_seconds"] == {"intake": 0.2, "postgres-run": 0.2}
    assert "commits 9.0, statements 40.0" in report.cost_line(
        {**cost, "per_complaint": {**each, "postgres": {
            **each["postgres"], "tup_inserted": 1, "tup_updated": 0, "tup_deleted": 0}}}
    )  # fmt: skip
