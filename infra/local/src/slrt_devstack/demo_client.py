"""The lived-in demo sent through the services' public APIs, as the Puskesos and agencies would.

Each village's operator sends its complaints as offline batches (`POST /v1/complaints/batch`
with its own token); then each agency, with its own key, pages its referrals at the gateway and
acts on those of the demo's complaints as `demo.plan_referral` says, under Idempotency-Keys of
the referral and step, skipping what the referral's status shows done; a rejection sends the
need on to the next agency, whose new referral the next round finds. Nothing is written to a
table: a second run finds every complaint `existing` and every step done, and adds nothing.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from slrt_devstack import demo

BATCH_SIZE = 50
CONCURRENCY = 8


class DemoError(Exception):
    """The demo could not be sent as planned (a refused item, a service not answering)."""


@dataclass
class Report:
    """What a run made, and what it found made before."""

    villages: int = 0
    complaints: Counter[str] = field(default_factory=Counter)  # created / existing / rejected
    referrals: int = 0
    actions: Counter[str] = field(default_factory=Counter)  # per action made now
    done_before: int = 0  # steps an earlier run had made
    rejections: Counter[str] = field(default_factory=Counter)  # per agency, made now
    seconds: float = 0.0
    ranking: dict[str, Any] = field(default_factory=dict)

    def lines(self) -> list[str]:
        """The report, a line per figure."""
        made = sum(self.actions.values())
        return [
            f"villages   {self.villages}",
            "complaints "
            + ", ".join(f"{k} {v}" for k, v in sorted(self.complaints.items()))
            + f" ({sum(self.complaints.values())} planned)",
            f"referrals  {self.referrals} of the demo's complaints at the gateway",
            f"actions    {made} made now ("
            + ", ".join(f"{k} {v}" for k, v in sorted(self.actions.items()))
            + f"), {self.done_before} done before",
            "rejected   "
            + (", ".join(f"{k} {v}" for k, v in sorted(self.rejections.items())) or "-"),
            *(f"ranking    {k}: {v}" for k, v in self.ranking.items()),
            f"took       {self.seconds:.0f} s",
        ]


@dataclass(frozen=True)
class Targets:
    """Where the services answer and the demo credentials."""

    intake_url: str
    gateway_url: str
    monitoring_url: str
    creds: dict[str, Any]


async def send_complaints(
    client: httpx.AsyncClient, targets: Targets, villages: list[demo.Village], report: Report
) -> dict[str, demo.PlannedComplaint]:
    """Send each village's complaints in batches; the demo's complaints by complaint id."""
    known: dict[str, demo.PlannedComplaint] = {}
    gate = asyncio.Semaphore(CONCURRENCY)

    async def one_batch(items: list[demo.PlannedComplaint]) -> None:
        token = targets.creds["operators"][items[0].village_code]
        async with gate:
            answer = await client.post(
                f"{targets.intake_url}/v1/complaints/batch",
                json={"complaints": [c.body() for c in items]},
                headers={"Authorization": f"Bearer {token}"},
            )
        if answer.status_code != 200:
            raise DemoError(f"batch of {items[0].village_code}: {answer.status_code} {answer.text}")
        planned = {c.client_id: c for c in items}
        for result in answer.json()["results"]:
            report.complaints[result["result"]] += 1
            if result["result"] == "rejected":
                raise DemoError(f"{result['client_id']} refused: {result['errors']}")
            known[result["complaint_id"]] = planned[result["client_id"]]

    batches = [
        list(v.complaints[i : i + BATCH_SIZE])
        for v in villages
        for i in range(0, len(v.complaints), BATCH_SIZE)
    ]
    await asyncio.gather(*(one_batch(b) for b in batches))
    return known


async def _referrals_of(
    client: httpx.AsyncClient, targets: Targets, agency: str
) -> list[dict[str, Any]]:
    """Every referral the agency's inbox lists, oldest first."""
    headers = {"Authorization": f"Bearer {targets.creds['agencies'][agency]}"}
    items: list[dict[str, Any]] = []
    cursor: str | None = None
    while True:
        params: dict[str, str | int] = {"limit": 200}
        if cursor:
            params["cursor"] = cursor
        answer = await client.get(
            f"{targets.gateway_url}/v1/referrals", params=params, headers=headers
        )
        if answer.status_code != 200:
            raise DemoError(f"{agency}'s referrals: {answer.status_code} {answer.text}")
        page = answer.json()
        items += page["items"]
        cursor = page["next_cursor"]
        if not cursor:
            return items


async def act(
    client: httpx.AsyncClient,
    targets: Targets,
    seed: str,
    complaints: dict[str, demo.PlannedComplaint],
    kinds: dict[str, demo.Kind],
    report: Report,
    settle_seconds: float = 3.0,
    give_up_after: float = 900.0,
    say: Callable[[str], None] = lambda _: None,
) -> None:
    """Let every agency work the demo's referrals, round after round until none is left to do.

    Done when every need has its referrals, every rejection's successor has arrived, and a
    round a few seconds after the last one finds nothing new.
    """
    gate = asyncio.Semaphore(CONCURRENCY)
    wanted = {(cid, need) for cid, c in complaints.items() for need in c.needs}
    handled: set[str] = set()
    deadline = time.monotonic() + give_up_after
    quiet_since: float | None = None

    async def work(agency: str, referral: dict[str, Any]) -> None:
        planned = complaints[referral["complaint_id"]]
        steps = demo.plan_referral(
            seed,
            planned.client_id,
            referral["service_code"],
            referral["attempt"],
            agency,
            kinds[planned.village_code],
        )
        todo = demo.remaining(steps, referral["status"])
        report.done_before += len(steps) - len(todo)
        headers = {"Authorization": f"Bearer {targets.creds['agencies'][agency]}"}
        for number, step in todo:
            key = f"demo-{seed}:{referral['referral_id']}:{number}"
            async with gate:
                answer = await client.post(
                    f"{targets.gateway_url}/v1/referrals/{referral['referral_id']}/{step.action}",
                    json=step.body,
                    headers={**headers, "Idempotency-Key": key},
                )
            if answer.status_code != 200:
                raise DemoError(
                    f"{agency} {step.action} {referral['referral_id']}: "
                    f"{answer.status_code} {answer.text}"
                )
            report.actions[step.action] += 1
            if step.action == "reject":
                report.rejections[agency] += 1

    while True:
        listed = await asyncio.gather(
            *(_referrals_of(client, targets, a) for a in targets.creds["agencies"])
        )
        fresh: list[tuple[str, dict[str, Any]]] = []
        seen: set[tuple[str, str]] = set()
        successors: set[tuple[str, str, int]] = set()
        rejected: set[tuple[str, str, int]] = set()
        for agency, items in zip(targets.creds["agencies"], listed, strict=True):
            for r in items:
                if r["complaint_id"] not in complaints:
                    continue
                need = (r["complaint_id"], r["service_code"])
                seen.add(need)
                successors.add((*need, r["attempt"]))
                if r["status"] == "rejected":
                    rejected.add((*need, r["attempt"] + 1))
                if r["referral_id"] not in handled:
                    handled.add(r["referral_id"])
                    fresh.append((agency, r))
        await asyncio.gather(*(work(agency, r) for agency, r in fresh))
        complete = wanted <= seen and rejected <= successors
        missing = len(wanted - seen) + len(rejected - successors)
        say(f"agencies  {len(handled)} referrals seen, {len(fresh)} new, {missing} awaited")
        now = time.monotonic()
        if fresh or not complete:
            quiet_since = None
        elif quiet_since is None:
            quiet_since = now
        elif now - quiet_since >= settle_seconds:
            report.referrals = len(handled)
            return
        if now > deadline:
            raise DemoError(f"{missing} referrals not at the gateway after {give_up_after:.0f}s")
        await asyncio.sleep(1.0)


async def rankings(
    client: httpx.AsyncClient, targets: Targets, regency: str, period: str | None = None
) -> dict[str, Any]:
    """How many villages the public ranking ranks and flags, and the agencies' rejections."""
    params = {"regency": regency, **({"period": period} if period else {})}
    villages = await client.get(
        f"{targets.monitoring_url}/v1/rankings", params={**params, "level": "village"}
    )
    agencies = await client.get(
        f"{targets.monitoring_url}/v1/rankings", params={**params, "level": "agency"}
    )
    if villages.status_code != 200 or agencies.status_code != 200:
        raise DemoError(f"rankings: {villages.status_code} {agencies.status_code}")
    rows, agency_rows = villages.json()["rows"], agencies.json()["rows"]
    return {
        "villages": len(rows),
        "complaints": sum(r["received"] for r in rows),
        "closed": sum(r["closed"] for r in rows),
        "ranked": sum(1 for r in rows if r.get("status") == "ranked"),
        "flagged": sum(1 for r in rows if r.get("flagged")),
        "escalations": sum(r["escalations"] for r in rows),
        "agencies_rejecting": sum(1 for r in agency_rows if r.get("rejections_by_reason")),
    }


async def settled_rankings(
    client: httpx.AsyncClient,
    targets: Targets,
    regency: str,
    at_least: int,
    give_up_after: float = 180.0,
) -> dict[str, Any]:
    """The rankings once monitoring has counted `at_least` complaints and two reads agree."""
    deadline = time.monotonic() + give_up_after
    last: dict[str, Any] = {}
    while time.monotonic() < deadline:
        now = await rankings(client, targets, regency)
        if now == last and now["complaints"] >= at_least:
            return now
        last = now
        await asyncio.sleep(2.0)
    raise DemoError(f"monitoring had not settled after {give_up_after:.0f}s: {last}")


async def run(
    targets: Targets,
    villages: list[demo.Village],
    seed: str,
    regency: str,
    say: Callable[[str], None] = lambda _: None,
) -> Report:
    """Send the plan; report what was made (and each round's progress to `say`)."""
    started = time.monotonic()
    report = Report(villages=len(villages))
    kinds = {v.code: v.kind for v in villages}
    async with httpx.AsyncClient(timeout=60) as client:
        complaints = await send_complaints(client, targets, villages, report)
        say(f"intake    {len(complaints)} complaints sent")
        await act(client, targets, seed, complaints, kinds, report, say=say)
        report.ranking = await settled_rankings(client, targets, regency, len(complaints))
    report.seconds = time.monotonic() - started
    return report
