"""Figures of a run: per-step rates, latency percentiles and costs, the bound, the efficiency."""

from __future__ import annotations

import math
from typing import Any

from slrt_bench import counters
from slrt_bench.load import StepResult


def percentile(values: list[float], q: float) -> float | None:
    """The q-th percentile (0-100) by nearest rank; None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


def latencies(sent: dict[str, float], seen: dict[str, float]) -> list[float]:
    """Seconds from sending each complaint to seeing its event."""
    return [seen[c] - t for c, t in sent.items() if c in seen]


def throughput(sent: dict[str, float], seen: dict[str, float]) -> float:
    """Complaints per second through to the event, from the first send to the last sighting."""
    times = [seen[c] for c in sent if c in seen]
    if not times or not sent:
        return 0.0
    span = max(times) - min(sent.values())
    return len(times) / span if span > 0 else 0.0


def ms(value: float | None) -> float | None:
    """Seconds as rounded milliseconds."""
    return None if value is None else round(value * 1000, 1)


def step_figures(
    step: StepResult,
    dispatched: dict[str, float],
    closed: dict[str, float],
    cpu: dict[str, float],
    mean_needs: float,
) -> dict[str, Any]:
    """Everything measured in one step."""
    to_dispatch = latencies(step.sent_at, dispatched)
    to_close = latencies(step.sent_at, closed)
    accepted = len(step.sent_at)
    all_dispatched = accepted > 0 and len(to_dispatch) == accepted
    return {
        "offered_per_s": step.offered_per_s,
        "seconds": step.seconds,
        "accepted": accepted,
        # from the first send to the last answer: a slow intake stretches the step
        "accepted_per_s": round(throughput(step.sent_at, step.accepted_at), 1),
        "http_errors": step.errors,
        "late_sends": step.late_sends,
        "dispatched_per_s": round(throughput(step.sent_at, dispatched), 1),
        "closed_per_s": round(throughput(step.sent_at, closed), 1),
        "dispatched": len(to_dispatch),
        "closed": len(to_close),
        "http_ms": {q: ms(percentile(step.http_latency, p)) for q, p in (("p50", 50), ("p99", 99))},
        "to_dispatched_ms": {
            "p50": ms(percentile(to_dispatch, 50)),
            "p99": ms(percentile(to_dispatch, 99)),
            "max": ms(max(to_dispatch, default=None) if to_dispatch else None),
        },
        "to_closed_ms": {
            "p50": ms(percentile(to_close, 50)),
            "p99": ms(percentile(to_close, 99)),
        },
        # Kept up: every accepted complaint dispatched at the offered pace, the generator on
        # time, no errors.
        "kept_up": all_dispatched
        and throughput(step.sent_at, dispatched) >= 0.95 * step.offered_per_s
        and step.late_sends <= 0.01 * accepted
        and not step.errors,
        "cpu_cores": cpu,
        "mean_needs": round(mean_needs, 2),
    }


def costs(
    postgres: dict[str, int | None],
    kafka: dict[str, int],
    cpu_seconds: dict[str, float],
    complaints: int,
) -> dict[str, Any]:
    """A step's counter growth and CPU seconds per process, each also per accepted complaint."""
    cpu = {name: round(value, 3) for name, value in cpu_seconds.items()}
    return {
        "complaints": complaints,
        "postgres": postgres,
        "kafka": kafka,
        "cpu_seconds": cpu,
        "per_complaint": {
            "postgres": counters.per_complaint(postgres, complaints),
            "kafka": counters.per_complaint(dict(kafka), complaints),
            "cpu_seconds": {
                name: None if complaints <= 0 else round(value / complaints, 4)
                for name, value in cpu.items()
            },
        },
    }


def cost_line(cost: dict[str, Any]) -> str:
    """One line of a step's costs per complaint."""
    each = cost["per_complaint"]
    pg, kafka = each["postgres"], each["kafka"]
    statements = "n/a" if pg.get("statements") is None else f"{pg['statements']}"
    cpu = sum(v for v in each["cpu_seconds"].values() if v is not None)
    return (
        f"commits {pg['xact_commit']}, statements {statements}, rows written "
        f"{(pg['tup_inserted'] or 0) + (pg['tup_updated'] or 0) + (pg['tup_deleted'] or 0):.1f}, "
        f"Kafka produced {kafka.get('produced')} consumed {kafka.get('consumed')}, "
        f"CPU {cpu * 1000:.1f} ms"
    )


# What a complaint needs whatever the design: three HTTP calls (the operator's POST, the agency's
# acknowledge and resolve), each a change of state kept durably (a commit) and told to another
# party (a Kafka record: the referral to the agency, its acknowledgement and its outcome back).
HTTP_CALLS_PER_COMPLAINT = 3
COMMITS_PER_COMPLAINT_AT_LEAST = 3
RECORDS_PER_COMPLAINT_AT_LEAST = 3


def bound(primitives: dict[str, float]) -> dict[str, Any]:
    """Complaints per second the machine's primitives allow, and which of them is the smallest.

    (a) the bare endpoint's requests/s over the three HTTP calls of a complaint; (b) the slower
    of Kafka's produce and consume rates over three records; (c) single-statement commits/s
    over three commits.
    """
    by = {
        "by_http_per_s": primitives["bare_http_requests_per_s"] / HTTP_CALLS_PER_COMPLAINT,
        "by_kafka_per_s": min(primitives["kafka_produce_per_s"], primitives["kafka_consume_per_s"])
        / RECORDS_PER_COMPLAINT_AT_LEAST,
        "by_postgres_per_s": primitives["postgres_commits_per_s"] / COMMITS_PER_COMPLAINT_AT_LEAST,
    }
    limit = min(by, key=lambda name: by[name])
    return {
        "http_calls_per_complaint": HTTP_CALLS_PER_COMPLAINT,
        "kafka_records_per_complaint": RECORDS_PER_COMPLAINT_AT_LEAST,
        "postgres_commits_per_complaint": COMMITS_PER_COMPLAINT_AT_LEAST,
        **{name: round(value, 1) for name, value in by.items()},
        "limited_by": limit.removeprefix("by_").removesuffix("_per_s"),
        "complaints_per_s": round(by[limit], 1),
    }


def efficiency(sustained_per_s: float, bound_per_s: float) -> float:
    """The sustained end-to-end rate as a share of the primitive bound (0 without a bound)."""
    return round(sustained_per_s / bound_per_s, 3) if bound_per_s > 0 else 0.0


def table(steps: list[dict[str, Any]]) -> str:
    """A readable table of the steps."""
    lines = [
        f"{'offered/s':>9} {'accepted/s':>10} {'dispatched/s':>12} {'closed/s':>9} "
        f"{'p50 disp ms':>11} {'p99 disp ms':>11} {'p99 close ms':>12} {'kept up':>7}  cpu (cores)"
    ]
    for s in steps:
        cpu = " ".join(f"{k}={v:.2f}" for k, v in sorted(s["cpu_cores"].items()))
        lines.append(
            f"{s['offered_per_s']:>9.0f} {s['accepted_per_s']:>10.1f} "
            f"{s['dispatched_per_s']:>12.1f} "
            f"{s['closed_per_s']:>9.1f} {s['to_dispatched_ms']['p50'] or 0:>11.1f} "
            f"{s['to_dispatched_ms']['p99'] or 0:>11.1f} {s['to_closed_ms']['p99'] or 0:>12.1f} "
            f"{'yes' if s['kept_up'] else 'no':>7}  {cpu}"
        )
    return "\n".join(lines)


def plot(result: dict[str, Any], path: str) -> None:
    """Offered vs achieved rate and the dispatch latency per step, with the machine's bound."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    steps = result["steps"]
    offered = [s["offered_per_s"] for s in steps]
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4.8))
    left.plot(offered, [s["accepted_per_s"] for s in steps], "o-", label="accepted by intake")
    left.plot(offered, [s["dispatched_per_s"] for s in steps], "s-", label="referral.dispatched")
    left.plot(offered, [s["closed_per_s"] for s in steps], "^-", label="complaint.closed")
    left.plot(offered, offered, ":", color="grey", label="offered")
    left.axhline(
        result["bound"]["complaints_per_s"],
        color="red",
        linestyle="--",
        label=f"primitive bound ({result['bound']['limited_by']})",
    )
    left.set_xlabel("offered complaints per second")
    left.set_ylabel("complaints per second")
    left.set_title("Throughput")
    left.legend(fontsize=8)
    right.plot(offered, [s["to_dispatched_ms"]["p50"] or 0 for s in steps], "o-", label="p50")
    right.plot(offered, [s["to_dispatched_ms"]["p99"] or 0 for s in steps], "s-", label="p99")
    right.axhline(250, color="red", linestyle="--", label="250 ms")
    right.set_yscale("log")
    right.set_xlabel("offered complaints per second")
    right.set_ylabel("ms from POST to referral.dispatched")
    right.set_title("Latency to dispatch")
    right.legend(fontsize=8)
    fig.suptitle(
        f"SLRT on {result['machine']['cpus']} cores - efficiency "
        f"{result['efficiency']:.0%} of the primitive bound"
    )
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
