"""How far behind the rankings run under a steady stream of events.

Events are published to Kafka at a fixed rate: new complaints, acknowledgements and resolutions
of cases already loaded. Every `probe_every` seconds one of the new complaints is a probe: it is
timed until its village's count shows it in the regency's live ranking, in the stored
country-wide ranking, and in a ranking.updated announcement. Monitoring's consumer lag is
sampled each second.
"""

from __future__ import annotations

import asyncio
import json
import random
import statistics
import time
import uuid
from collections.abc import Callable, Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import asyncpg
import httpx
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient

from slrt_bench.national import events
from slrt_bench.national.timing import summary
from slrt_bench.stack import Scratch
from slrt_shared.consumer_lag import group_lag
from slrt_shared.contracts import topics
from slrt_shared.contracts.events import EventData
from slrt_shared.reference import Region
from slrt_shared.regions import kecamatan_of, regency_of

# Monitoring reads every event topic but the personal data and its own announcements.
CONSUMED = [
    t for t in topics.EVENT_TOPICS if t not in {topics.COMPLAINT_PII, topics.RANKING_UPDATED}
]
# Where a probe is looked for: the regency's live ranking, the stored country-wide ranking,
# ranking.updated on Kafka.
KINDS = ("live", "national", "announced")


@dataclass
class Probe:
    """A complaint published to see when it shows: in the live, national and announced rankings."""

    village: str
    expected: int  # its village's complaints this month, itself included
    sent: float = 0.0
    seen: dict[str, float] = field(default_factory=dict)

    def query(self, regency: str, month: str) -> dict[str, str]:
        """The month's ranking of its kecamatan's villages, within a regency or "all"."""
        kecamatan = kecamatan_of(self.village)
        return {"level": "village", "regency": regency, "kecamatan": kecamatan, "period": month}

    @property
    def regency(self) -> str:
        """Its village's regency."""
        return regency_of(self.village)


class Stream:
    """One run of the stream: its probes, the cases it closes, what it saw."""

    def __init__(
        self, http: httpx.AsyncClient, space: Scratch, regions: Sequence[Region], seed: int
    ) -> None:
        self.http = http
        self.space = space
        self.rng = random.Random(seed + 7)
        self.villages = [r.code for r in regions if r.level == "village"]
        self.month = datetime.now(UTC).strftime("%Y-%m")
        self.probes: list[Probe] = []
        self.open_cases: list[dict[str, Any]] = []
        self.lags: list[int] = []
        self.published = 0
        self.stop = asyncio.Event()
        self.produced = asyncio.Event()
        self.seen_all = asyncio.Event()
        bootstrap = space.bootstrap
        self.producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=5)
        self.announced = AIOKafkaConsumer(
            space.layout.name(topics.RANKING_UPDATED),
            bootstrap_servers=bootstrap,
            auto_offset_reset="latest",
            enable_auto_commit=False,
            max_partition_fetch_bytes=64 * 1024 * 1024,
            fetch_max_bytes=128 * 1024 * 1024,
        )
        self.admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
        self.offsets = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)

    async def prepare(self, probes: int, cases: int) -> None:
        """Pick the probes' villages and the loaded open cases the stream will close."""
        self.probes = [Probe(v, 0) for v in self.rng.sample(self.villages, probes)]
        now = datetime.now(UTC)
        conn = await asyncpg.connect(self.space.dsns["monitoring"])
        try:
            counts = dict(
                await conn.fetch(
                    "SELECT village_code, count(*) FROM complaint_facts"
                    " WHERE village_code = ANY($1) AND received_at >= $2 GROUP BY 1",
                    [p.village for p in self.probes],
                    datetime(now.year, now.month, 1, tzinfo=UTC),
                )
            )
            self.open_cases = [
                dict(r)
                for r in await conn.fetch(
                    "SELECT c.complaint_id, c.village_code, r.referral_id, r.agency_code,"
                    " r.service_code FROM complaint_facts c"
                    " JOIN referral_facts r USING (complaint_id)"
                    " WHERE c.closed_at IS NULL AND c.needs = 1 AND NOT r.rejected"
                    " AND r.resolved_at IS NULL AND c.received_at IS NOT NULL LIMIT $1",
                    cases,
                )
            ]
        finally:
            await conn.close()
        for p in self.probes:
            p.expected = counts.get(p.village, 0) + 1
        self.rng.shuffle(self.open_cases)

    async def run(self, rate: float, seconds: float, probe_every: float) -> dict[str, Any]:
        """Publish for `seconds`, wait for every probe to show (or give up), and report."""
        await self.prepare(int(seconds / probe_every) + 1, int(rate * seconds) + 10)
        clients = (self.producer, self.announced, self.admin, self.offsets)
        await asyncio.gather(*(c.start() for c in clients))
        watchers = [
            asyncio.create_task(self.sample_lag()),
            asyncio.create_task(self.watch_announcements()),
            asyncio.create_task(self.poll("live", lambda p: p.query(p.regency, self.month))),
            asyncio.create_task(self.poll("national", lambda p: p.query("all", self.month))),
        ]
        try:
            started = time.perf_counter()
            await self.produce(rate, seconds, probe_every)
            produced_for = time.perf_counter() - started
            self.produced.set()
            if not self.all_seen():
                with suppress(TimeoutError):
                    await asyncio.wait_for(self.seen_all.wait(), max(180.0, seconds))
            drained = await self.lag()
        finally:
            self.stop.set()
            await asyncio.gather(*watchers, return_exceptions=True)
            await asyncio.gather(
                self.producer.stop(), self.announced.stop(), self.admin.close(), self.offsets.stop()
            )
        return self.figures(rate, produced_for, drained)

    def all_seen(self) -> bool:
        """Every probe sent so far has shown everywhere."""
        return all(len(p.seen) == len(KINDS) for p in self.probes if p.sent)

    def note(self, probe: Probe, kind: str, at: float) -> None:
        """The probe showed in one place at `at`; once every sent probe has, say so."""
        probe.seen[kind] = at - probe.sent
        if self.produced.is_set() and self.all_seen():
            self.seen_all.set()

    async def produce(self, rate: float, seconds: float, probe_every: float) -> None:
        """Publish `rate` events a second: new complaints, acknowledgements, resolutions."""
        started = time.perf_counter()
        probes = iter(self.probes)
        next_probe_at, tick = 0.0, 0
        while time.perf_counter() - started < seconds:
            due = started + tick / rate
            await asyncio.sleep(max(0.0, due - time.perf_counter()))
            if time.perf_counter() - started >= next_probe_at:
                probe = next(probes, None)
                next_probe_at += probe_every
                if probe is not None:
                    probe.sent = time.perf_counter()
                    tick += await self.send(events.new_complaint(probe.village, self.rng))
                    await self.producer.flush()
                    continue
            choice = self.rng.random()
            if choice < 0.4 or not self.open_cases:
                case = events.new_complaint(self.rng.choice(self.villages), self.rng)
            elif choice < 0.55:
                case = events.acknowledgement(self.open_cases[-1])
            else:
                case = events.resolution(self.open_cases.pop())
            tick += await self.send(case)
        await self.producer.flush()

    async def send(self, case: tuple[uuid.UUID, list[EventData]]) -> int:
        """Publish a case's events; how many."""
        complaint_id, datas = case
        for data in datas:
            await events.publish(self.producer, self.space.layout, data, complaint_id)
        self.published += len(datas)
        return len(datas)

    async def lag(self) -> int:
        """Records on monitoring's topics not yet committed by its consumer group."""
        group = f"{self.space.layout.prefix}slrt-monitoring"
        consumed = [self.space.layout.name(t) for t in CONSUMED]
        return sum((await group_lag(self.admin, self.offsets, group, consumed)).values())

    async def sample_lag(self) -> None:
        """Monitoring's consumer lag, each second."""
        while not self.stop.is_set():
            self.lags.append(await self.lag())
            await asyncio.sleep(1.0)

    async def watch_announcements(self) -> None:
        """Read ranking.updated as it comes, for the probes' villages."""
        while not self.stop.is_set():
            batches = await self.announced.getmany(timeout_ms=500, max_records=50)
            received = time.perf_counter()
            for records in batches.values():
                for record in records:
                    self.read_announcement(json.loads(record.value)["data"], received)

    def read_announcement(self, data: dict[str, Any], received: float) -> None:
        """Note each probe whose village shows its count in the month's village ranking."""
        if data["period"] != self.month or data["level"] != "village":
            return
        counts = {row["code"]: row["complaints"] for row in data["rows"]}
        for p in self.probes:
            waiting = p.sent and "announced" not in p.seen
            if waiting and counts.get(p.village, 0) >= p.expected:
                self.note(p, "announced", received)

    async def poll(self, kind: str, query: Callable[[Probe], dict[str, str]]) -> None:
        """Ask the rankings for each probe not yet seen there until its village counts it."""
        while not self.stop.is_set():
            for p in [p for p in self.probes if p.sent and kind not in p.seen]:
                asked = time.perf_counter()
                response = await self.http.get("/v1/rankings", params=query(p))
                rows = {row["code"]: row for row in response.json().get("rows", [])}
                if rows.get(p.village, {}).get("received", 0) >= p.expected:
                    self.note(p, kind, asked)
            await asyncio.sleep(0.25)

    def figures(self, rate: float, produced_for: float, drained: int) -> dict[str, Any]:
        """What the stream measured."""
        sent = [p for p in self.probes if p.sent]

        def staleness(kind: str) -> dict[str, float | int | None]:
            return summary([p.seen[kind] for p in sent if kind in p.seen])

        return {
            "rate_events_per_s": rate,
            "seconds": round(produced_for, 1),
            "events_published": self.published,
            "probes": len(sent),
            "staleness_live_regency_s": staleness("live"),
            "staleness_national_s": staleness("national"),
            "staleness_ranking_updated_s": staleness("announced"),
            "not_seen": {kind: sum(1 for p in sent if kind not in p.seen) for kind in KINDS},
            "consumer_lag_records": {
                "p50": statistics.median(self.lags) if self.lags else None,
                "max": max(self.lags) if self.lags else None,
                "after_stream": drained,
            },
        }
