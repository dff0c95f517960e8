"""Figures of a run: per-step rates and latency percentiles, the ceilings, the efficiency."""

from __future__ import annotations

import math
from typing import Any

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


def bound(ceilings: dict[str, float], mean_needs: float) -> dict[str, float]:
    """Complaints per second the machine could carry through dispatch, from the raw ceilings.

    Per complaint (n = mean needs): Postgres commits 4 + 3n (intake registers; referral, the
    gateway, monitoring and intake each apply the events they consume) and Kafka records
    2 + 2n (complaint.created, complaint.pii, n referral.dispatched, n agency copies).
    """
    commits = 4 + 3 * mean_needs
    records = 2 + 2 * mean_needs
    by_postgres = ceilings["postgres_commits_per_s"] / commits
    by_kafka = min(ceilings["kafka_produce_per_s"], ceilings["kafka_consume_per_s"]) / records
    return {
        "postgres_commits_per_complaint": round(commits, 2),
        "kafka_records_per_complaint": round(records, 2),
        "by_postgres_per_s": round(by_postgres, 1),
        "by_kafka_per_s": round(by_kafka, 1),
        "complaints_per_s": round(min(by_postgres, by_kafka), 1),
    }


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
        label="machine bound (Postgres/Kafka ceilings)",
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
        f"{result['efficiency']:.0%} of the machine bound"
    )
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
