"""The lived-in demo sent through the services' public APIs at its virtual times.

The services run on a replay clock (`slrt_shared.clock`): months of virtual time in minutes.
Each village's operator sends its complaints as offline batches (`POST /v1/complaints/batch`
with its own token) once the virtual clock reaches the batch's sync; each agency, with its own
key, follows its inbox at the gateway (paging on from its `resume_cursor`) and acts on the
demo's referrals as `demo.plan_referral` says, each step when the virtual clock reaches the
step's delay after the referral's own `dispatched_at` (never the plan's assumption: a second
of a service's lag is hours of virtual time). A rejection sends the need on to the next
agency, whose new referral the feed brings. Steps whose time lies beyond the moment the clock
catches up with real time are left: those referrals are still open today. Each action carries
an Idempotency-Key of its referral and step, and what a referral's status shows done is
skipped. Nothing is written to a table.
"""

from __future__ import annotations

import asyncio
import heapq
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from slrt_devstack import demo
from slrt_shared.clock import Replay

CONCURRENCY = 8
RETRIES = 4
# Idle connections dropped before the services' own keep-alive (uvicorn's 5 s) closes them.
LIMITS = httpx.Limits(keepalive_expiry=2.0)
POLL_SECONDS = 0.5


class DemoError(Exception):
    """The demo could not be sent as planned (a refused item, a service not answering)."""


@dataclass
class Report:
    """What a run made, and what it found made before."""

    villages: int = 0
    complaints: Counter[str] = field(default_factory=Counter)  # created / existing / rejected
    batches: int = 0
    referrals: int = 0
    actions: Counter[str] = field(default_factory=Counter)  # per action made now
    done_before: int = 0  # steps an earlier run had made
    left_open: int = 0  # steps whose time is after the replay caught up
    refused: Counter[str] = field(default_factory=Counter)  # 409s: the referral moved on
    rejections: Counter[str] = field(default_factory=Counter)  # per agency, made now
    escalated: int = 0  # referrals the gateway shows escalated
    late_batches: float = 0.0  # the longest a batch waited after its sync time (virtual s)
    seconds: float = 0.0
    ranking: dict[str, Any] = field(default_factory=dict)
    months: dict[str, dict[str, Any]] = field(default_factory=dict)

    def lines(self) -> list[str]:
        """The report, a line per figure."""
        made = sum(self.actions.values())
        return [
            f"villages   {self.villages}",
            f"lag        batches sent up to {self.late_batches / 3600:.1f} virtual hours after"
            " their sync",
            "complaints "
            + ", ".join(f"{k} {v}" for k, v in sorted(self.complaints.items()))
            + f" ({sum(self.complaints.values())} planned, in {self.batches} syncs)",
            f"referrals  {self.referrals} of the demo's complaints at the gateway,"
            f" {self.escalated} escalated",
            f"actions    {made} made now ("
            + ", ".join(f"{k} {v}" for k, v in sorted(self.actions.items()))
            + f"), {self.done_before} done before, {self.left_open} still to come"
            + (f", {sum(self.refused.values())} refused" if self.refused else ""),
            "rejected   "
            + (", ".join(f"{k} {v}" for k, v in sorted(self.rejections.items())) or "-"),
            *(f"month      {k}: {v}" for k, v in self.months.items()),
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


async def newest_complaint(
    client: httpx.AsyncClient, targets: Targets, regency: str
) -> datetime | None:
    """When intake received the regency's newest complaint (None: it has none)."""
    answer = await _call(
        client,
        "GET",
        f"{targets.intake_url}/v1/complaints",
        params={"limit": 1},
        headers={"Authorization": f"Bearer {targets.creds['district'][regency]}"},
    )
    if answer.status_code != 200:
        raise DemoError(f"intake's complaints: {answer.status_code} {answer.text}")
    items = answer.json()["items"]
    return datetime.fromisoformat(items[0]["received_at"]) if items else None


async def _call(client: httpx.AsyncClient, method: str, url: str, **kwargs: Any) -> httpx.Response:
    """One request, sent again when the connection broke (a kept-alive connection the server
    had just closed): every request of the demo may be repeated (a batch by its client ids,
    an action by its Idempotency-Key, reads)."""
    for attempt in range(RETRIES):
        try:
            return await client.request(method, url, **kwargs)
        except (httpx.ReadError, httpx.RemoteProtocolError, httpx.ConnectError):
            if attempt == RETRIES - 1:
                raise
            await asyncio.sleep(0.5 * (attempt + 1))
    raise AssertionError("unreachable")


@dataclass
class _Feed:
    """An agency's inbox, followed from where the last read ended."""

    agency: str
    cursor: str | None = None


@dataclass(order=True)
class _Due:
    """A step to do at its virtual time."""

    at: datetime
    key: str
    agency: str = field(compare=False)
    referral_id: str = field(compare=False)
    step: demo.Step = field(compare=False)


class _Replayer:
    """The replay's state: syncs still to send, referrals met, steps waiting for their time."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        targets: Targets,
        villages: list[demo.Village],
        seed: str,
        clock: Replay,
        report: Report,
    ) -> None:
        self.client, self.targets, self.seed, self.clock, self.report = (
            client,
            targets,
            seed,
            clock,
            report,
        )
        self.syncs = demo.batches(villages)
        self.kinds = {v.code: v.kind for v in villages}
        self.complaints: dict[str, demo.PlannedComplaint] = {}
        self.feeds = [_Feed(a) for a in targets.creds["agencies"]]
        self.met: set[str] = set()
        self.due: list[_Due] = []
        self.gate = asyncio.Semaphore(CONCURRENCY)

    def virtual_now(self) -> datetime:
        """The services' time now."""
        return self.clock.at(datetime.now(UTC))

    async def send_due_batches(self, now: datetime) -> None:
        """Send every sync whose time has come."""
        ready = [b for b in self.syncs if b.synced_at <= now]
        self.syncs = self.syncs[len(ready) :]
        await asyncio.gather(*(self._send(b, now) for b in ready))

    async def _send(self, batch: demo.Batch, now: datetime) -> None:
        token = self.targets.creds["operators"][batch.village_code]
        async with self.gate:
            answer = await _call(
                self.client,
                "POST",
                f"{self.targets.intake_url}/v1/complaints/batch",
                json={"complaints": [c.body() for c in batch.complaints]},
                headers={"Authorization": f"Bearer {token}"},
            )
        if answer.status_code != 200:
            raise DemoError(f"batch of {batch.village_code}: {answer.status_code} {answer.text}")
        planned = {c.client_id: c for c in batch.complaints}
        self.report.batches += 1
        waited = (self.virtual_now() - batch.synced_at).total_seconds()
        self.report.late_batches = max(self.report.late_batches, waited)
        for result in answer.json()["results"]:
            self.report.complaints[result["result"]] += 1
            if result["result"] == "rejected":
                raise DemoError(f"{result['client_id']} refused: {result['errors']}")
            self.complaints[result["complaint_id"]] = planned[result["client_id"]]

    async def read_feeds(self) -> None:
        """Read what changed in every agency's inbox; plan the steps of each new referral."""
        await asyncio.gather(*(self._read(f) for f in self.feeds))

    async def count_escalated(self) -> int:
        """How many of the demo's referrals the agencies' inboxes show escalated."""
        found = await asyncio.gather(
            *(self._read(_Feed(a), {"escalated": "true"}) for a in self.targets.creds["agencies"])
        )
        return sum(found)

    async def _read(self, feed: _Feed, filters: dict[str, str] | None = None) -> int:
        """Read the feed on from its cursor (new referrals: an update does not move one);
        the demo's referrals read."""
        headers = {"Authorization": f"Bearer {self.targets.creds['agencies'][feed.agency]}"}
        read = 0
        while True:
            params: dict[str, str | int] = {"limit": 200, **(filters or {})}
            if feed.cursor:
                params["cursor"] = feed.cursor
            async with self.gate:
                answer = await _call(
                    self.client,
                    "GET",
                    f"{self.targets.gateway_url}/v1/referrals",
                    params=params,
                    headers=headers,
                )
            if answer.status_code != 200:
                raise DemoError(f"{feed.agency}'s referrals: {answer.status_code} {answer.text}")
            page = answer.json()
            for referral in page["items"]:
                read += self._met(feed.agency, referral)
            feed.cursor = page["next_cursor"] or page["resume_cursor"]
            if not page["next_cursor"]:
                return read

    def _met(self, agency: str, referral: dict[str, Any]) -> bool:
        """Plan the steps of a referral met for the first time; whether it is the demo's."""
        planned = self.complaints.get(referral["complaint_id"])
        if planned is None:
            return False  # not the demo's (every batch's answer is in before a read)
        rid = referral["referral_id"]
        if rid in self.met:
            return True
        self.met.add(rid)
        steps = demo.plan_referral(
            self.seed,
            planned.client_id,
            referral["service_code"],
            referral["attempt"],
            agency,
            self.kinds[planned.village_code],
        )
        todo = demo.remaining(steps, referral["status"])
        self.report.done_before += len(steps) - len(todo)
        arrived = datetime.fromisoformat(referral["dispatched_at"])
        for number, step in todo:
            key = f"demo-{self.seed}:{rid}:{number}"
            heapq.heappush(self.due, _Due(arrived + step.after, key, agency, rid, step))
        return True

    async def act_due(self, now: datetime) -> None:
        """Do every step whose time has come, a referral's steps in their order."""
        ready: dict[str, list[_Due]] = {}
        while self.due and self.due[0].at <= now:
            item = heapq.heappop(self.due)
            ready.setdefault(item.referral_id, []).append(item)
        await asyncio.gather(*(self._act(items) for items in ready.values()))

    async def _act(self, items: list[_Due]) -> None:
        for item in items:
            headers = {
                "Authorization": f"Bearer {self.targets.creds['agencies'][item.agency]}",
                "Idempotency-Key": item.key,
            }
            async with self.gate:
                answer = await _call(
                    self.client,
                    "POST",
                    f"{self.targets.gateway_url}/v1/referrals/{item.referral_id}/"
                    f"{item.step.action}",
                    json=item.step.body,
                    headers=headers,
                )
            if answer.status_code == 409:
                # The referral moved on meanwhile (withdrawn, closed): its later steps go too.
                self.report.refused[answer.json().get("code", "conflict")] += 1
                return
            if answer.status_code != 200:
                raise DemoError(
                    f"{item.agency} {item.step.action} {item.referral_id}: "
                    f"{answer.status_code} {answer.text}"
                )
            self.report.actions[item.step.action] += 1
            if item.step.action == "reject":
                self.report.rejections[item.agency] += 1


async def replay(
    targets: Targets,
    villages: list[demo.Village],
    seed: str,
    clock: Replay,
    say: Callable[[str], None] = lambda _: None,
) -> Report:
    """Send the plan at its virtual times until the replay clock has caught up with real time."""
    started = time.monotonic()
    report = Report(villages=len(villages))
    async with httpx.AsyncClient(timeout=60, limits=LIMITS) as client:
        run = _Replayer(client, targets, villages, seed, clock, report)
        last_said = ""
        while True:
            real = datetime.now(UTC)
            now = clock.at(real)
            await run.send_due_batches(now)
            await run.read_feeds()
            await run.act_due(now)
            day = now.strftime("%Y-%m-%d")
            if day != last_said:
                last_said = day
                say(
                    f"{day}  {len(run.complaints)} complaints, {len(run.met)} referrals,"
                    f" {sum(report.actions.values())} actions"
                )
            if real >= clock.caught_up_at and not run.syncs:
                break
            await asyncio.sleep(POLL_SECONDS)
        await run.read_feeds()
        await run.act_due(clock.at(datetime.now(UTC)))
        report.escalated = await run.count_escalated()
    report.referrals = len(run.met)
    report.left_open = len(run.due)
    report.seconds = time.monotonic() - started
    return report


async def rankings(
    client: httpx.AsyncClient, targets: Targets, regency: str, period: str | None = None
) -> dict[str, Any]:
    """How many villages the public ranking ranks and flags, and the agencies' rejections."""
    params = {"regency": regency, **({"period": period} if period else {})}
    url = f"{targets.monitoring_url}/v1/rankings"
    villages = await _call(client, "GET", url, params={**params, "level": "village"})
    agencies = await _call(client, "GET", url, params={**params, "level": "agency"})
    if villages.status_code != 200 or agencies.status_code != 200:
        raise DemoError(f"rankings: {villages.status_code} {agencies.status_code}")
    rows, agency_rows = villages.json()["rows"], agencies.json()["rows"]
    return {
        "villages": len(rows),
        "complaints": sum(r["received"] for r in rows),
        "closed": sum(r["closed"] for r in rows),
        "ranked": sum(1 for r in rows if r.get("status") == "ranked"),
        "scores": len({round(r["score"]) for r in rows if r.get("status") == "ranked"}),
        "flagged": sum(1 for r in rows if r.get("flagged")),
        "escalations": sum(r["escalations"] for r in rows),
        "agencies_rejecting": sum(1 for r in agency_rows if r.get("rejections_by_reason")),
    }


def months_of(start: datetime, end: datetime) -> list[str]:
    """The calendar months (YYYY-MM, UTC) from `start`'s to `end`'s."""
    months, year, month = [], start.astimezone(UTC).year, start.astimezone(UTC).month
    last = end.astimezone(UTC)
    while (year, month) <= (last.year, last.month):
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


async def settled_history(
    client: httpx.AsyncClient,
    targets: Targets,
    regency: str,
    months: list[str],
    at_least: int,
    give_up_after: float = 300.0,
) -> dict[str, dict[str, Any]]:
    """Each month's ranking once monitoring has counted `at_least` complaints over the months
    and two reads agree."""
    deadline = time.monotonic() + give_up_after
    last: dict[str, dict[str, Any]] = {}
    while time.monotonic() < deadline:
        now = {m: await rankings(client, targets, regency, m) for m in months}
        if now == last and sum(r["complaints"] for r in now.values()) >= at_least:
            return now
        last = now
        await asyncio.sleep(2.0)
    raise DemoError(f"monitoring had not settled after {give_up_after:.0f}s: {last}")


# What the services run with during a replay besides its clock: referral's escalation job and
# monitoring's ranking cycle each second (at the demo's rate a real minute is weeks).
REPLAY_TUNING = {
    "REFERRAL_ESCALATION_INTERVAL_SECONDS": "1",
    "MONITORING_RANKING_INTERVAL_SECONDS": "1",
}
# Seconds between choosing the replay's epoch and its start: the services restart meanwhile.
RESTART_SECONDS = 30.0


@dataclass(frozen=True)
class Outcome:
    """What `history` did: the report, or why it added nothing."""

    report: Report | None
    said: str


async def history(
    targets: Targets,
    settings: demo.Settings,
    villages: list[demo.Village],
    regency: str,
    kept: dict[str, Any],
    keep: Callable[[dict[str, Any]], None],
    restart: Callable[[dict[str, str]], None],
    minutes: float,
    say: Callable[[str], None] = lambda _: None,
) -> Outcome:
    """Give the district its history on a replay clock, once.

    `kept` is what an earlier run kept (`.local/demo.json`), `keep` saves it again; `restart`
    restarts every service with extra environment (empty: as normally). A district whose
    replay is done gets nothing more; one with complaints newer than the replay's start is
    refused, since the replay would stamp older times after them.
    """
    if kept.get("replayed"):
        return Outcome(
            None,
            f"the district's history was replayed already ({kept['replayed']}); nothing added",
        )
    assert settings.anchor is not None
    start = settings.anchor - timedelta(days=30 * settings.months)
    async with httpx.AsyncClient(timeout=60, limits=LIMITS) as client:
        newest = await newest_complaint(client, targets, regency)
    if newest is not None and newest > start:
        raise DemoError(
            f"the district holds complaints received up to {newest.isoformat()}, after the"
            f" replay's start {start.isoformat()}: a replay would stamp older times after"
            " them. Start from a fresh district: `make clean && make up && make demo`"
        )
    epoch = (datetime.now(UTC) + timedelta(seconds=RESTART_SECONDS)).replace(microsecond=0)
    clock = Replay(start, epoch, demo.replay_rate(settings.months, minutes))
    keep({**settings.as_json(), "replay": clock.environment()})
    say(
        f"replay    {start:%Y-%m-%d} to now at {clock.rate:.0f}x, from {epoch:%H:%M:%S} UTC"
        f" until about {clock.caught_up_at:%H:%M:%S} UTC"
    )
    try:
        await asyncio.to_thread(restart, {**clock.environment(), **REPLAY_TUNING})
        await asyncio.sleep(max((epoch - datetime.now(UTC)).total_seconds(), 0))
        report = await replay(targets, villages, settings.seed, clock, say)
    finally:
        # The services go back to the real clock (which the replay has caught up with), also
        # when the replay failed, so the stack is left as `make up` leaves it.
        await asyncio.to_thread(restart, {})
    started = time.monotonic()
    async with httpx.AsyncClient(timeout=60, limits=LIMITS) as client:
        months = months_of(start, datetime.now(UTC))
        report.months = await settled_history(
            client, targets, regency, months, sum(report.complaints.values())
        )
        report.ranking = await rankings(client, targets, regency, "rolling-30d")
    report.seconds += time.monotonic() - started
    keep(
        {
            **settings.as_json(),
            "replay": clock.environment(),
            "replayed": f"{start:%Y-%m-%d} to {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        }
    )
    return Outcome(report, "replayed")
