"""A steady load of complaints, escalations driven through it, and the truth that must hold after
any fault.

The truth, for the complaints one load had accepted:
- on Kafka (referral.dispatched), in referral's tables (its case API) and at each agency (the
  gateway's API): exactly one referral per need, the same one everywhere;
- every agency copy on agency.X.referrals: the last copy of each referral carries the resident
  data its service's pii_level allows (and nothing more), and its escalation if it had one;
- every referral made overdue is escalated exactly once, and the escalation reaches the gateway
  (its API and the last copy) and referral's tables;
- monitoring counts what was accepted and escalated, village by village;
- nothing new in any dead-letter topic since the load began but the bad records a test put on
  the topics.

The check waits (within a bounded deadline) until the platform has settled: no consumer group
behind the end of what it reads, no outbox holding a row, nothing new on any topic between two
looks. A settled platform changes no further, so the check then answers at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
import threading
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import asyncpg
import httpx
from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import KafkaError

from gateway.domain.disclosure import disclosed_fields
from slrt_devstack.testing import SERVICE_PACKAGES, consumed_by_code
from slrt_shared import reference
from slrt_shared.consumer_lag import group_lag
from slrt_shared.contracts import topics

# Every complaint of a load asks for these; every third also for a basic-level service, every
# third for a special-level one, so each disclosure level is checked on the agencies' copies.
NEEDS = ("JKN-PBI", "ADMINDUK")
EXTRA_NEEDS = {1: ("RTLH",), 2: ("ODGJ",)}
# The referrals of this need are made overdue as soon as they exist, and must be escalated.
ESCALATED_NEED = "JKN-PBI"
SETTLE_SECONDS = 240.0

# The test's own clients meet the faults too (a group being rewound, a broker restarting) and
# would log every retry; what matters is reported by the checks.
logging.getLogger("aiokafka").setLevel(logging.CRITICAL)

# What each service consumes, read from its code: a topic added to a service is rewound, watched
# for lag and injected with bad records without this list being kept by hand.
CONSUMED_BY = {service: consumed_by_code(service) for service in SERVICE_PACKAGES}
# Schemas whose outbox must be empty once everything has settled (monitoring's holds only
# ranking.updated, which it may publish at any time).
RELAYING = ("intake", "referral", "gateway")


def villages(first: int, count: int) -> list[str]:
    """Karawang villages set apart for one test, so its counts are its own."""
    codes = sorted(v.code for v in reference.villages("32.15"))
    return codes[first : first + count]


def default_needs(n: int) -> tuple[str, ...]:
    """The needs of the load's n-th complaint."""
    return NEEDS + EXTRA_NEEDS.get(n % 3, ())


def agency_of(need: str) -> str:
    """The agency the district's default rule sends a need to."""
    return reference.services()[need].agencies[0]


@dataclass(frozen=True)
class Sent:
    """An accepted complaint as the load sent it: what every service must know of it."""

    village: str
    needs: tuple[str, ...]
    resident: dict[str, str]  # as intake stores it (phone normalised), description included


class SteadyLoad:
    """Registers complaints at a steady pace from several Puskesos, retrying like a real client.

    Each request goes to one of intake's members in turn. A failed request is repeated with the
    same Idempotency-Key until it is accepted, so a complaint is either accepted once or still
    being tried when the load gives up.
    """

    def __init__(
        self,
        platform: Any,
        village_codes: list[str],
        total: int,
        per_second: float,
        needs: Any = default_needs,
    ):
        self.platform = platform
        self.villages = village_codes
        self.total = total
        self.interval = 1 / per_second
        self.needs = needs
        self.accepted: dict[str, Sent] = {}  # complaint id -> what was sent
        self.retries = 0
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._give_up_at = 0.0
        self.log_marks: dict[str, int] = {}  # log file -> its size when the load began
        self.dead_marks: dict[str, int] = {}  # dead-letter topic -> its end when the load began

    def start(self) -> SteadyLoad:
        """Begin sending in the background."""
        self._give_up_at = time.monotonic() + 300
        self.log_marks = {
            log.name: log.stat().st_size for log in self.platform.paths.logs.glob("*.log")
        }
        self.dead_marks = asyncio.run(_dead_letter_ends(self.platform.env))
        self._thread.start()
        return self

    def wait(self) -> None:
        """Wait until every complaint has been accepted (or the load gave up)."""
        self._thread.join()

    def per_village(self) -> dict[str, int]:
        """Accepted complaints per village."""
        counts: dict[str, int] = defaultdict(int)
        for sent in list(self.accepted.values()):
            counts[sent.village] += 1
        return dict(counts)

    def _run(self) -> None:
        threads = []
        for n in range(self.total):
            village = self.villages[n % len(self.villages)]
            worker = threading.Thread(target=self._register, args=(n, village), daemon=True)
            worker.start()
            threads.append(worker)
            time.sleep(self.interval)
        for worker in threads:
            worker.join()

    def _register(self, n: int, village: str) -> None:
        phone = f"08121{n:06d}"
        resident = {
            "nik": "3215150107800003",
            "name": f"Warga Uji {n}",
            "phone": phone,
            "address": f"Dusun Uji RT {n % 20:02d}/RW 01",
        }
        description = f"Pengaduan beban {n}: kartu PBI tidak aktif, KK hilang."
        needs = tuple(self.needs(n))
        body = {
            "village_code": village,
            "needs": list(needs),
            "description": description,
            "channel": "walk_in",
            "recorded_at": "2025-06-26T09:15:00+07:00",
            "resident": resident,
        }
        stored = {**resident, "phone": "+62" + phone[1:], "description": description}
        headers = {**self.platform.operator(village), "Idempotency-Key": str(uuid.uuid4())}
        while time.monotonic() < self._give_up_at:
            try:
                response = httpx.post(
                    f"{self.platform.url('intake')}/v1/complaints",
                    json=body,
                    headers=headers,
                    timeout=10,
                )
                if response.status_code in (200, 201):
                    self.accepted[response.json()["complaint_id"]] = Sent(village, needs, stored)
                    return
            except httpx.HTTPError:
                pass
            self.retries += 1
            time.sleep(0.5)


class Escalator:
    """Makes a load's referrals of one need overdue as soon as referral has stored them.

    Only their next breach moves (to a second ago), straight in referral's table: the
    service's own escalation job then escalates them, publishes referral.escalated through its
    outbox, and sets the next breach one SLA period on, so each is escalated once. That is what
    days passing would do, without a clock the processes share.
    """

    def __init__(self, platform: Any, load: SteadyLoad, need: str = ESCALATED_NEED):
        self.platform = platform
        self.load = load
        self.need = need
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=lambda: asyncio.run(self._run()), daemon=True)

    def start(self) -> Escalator:
        """Begin in the background."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop and wait for the thread."""
        self._stopping.set()
        self._thread.join()

    def __enter__(self) -> Escalator:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()

    async def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                conn = await asyncpg.connect(self.platform.env.database_admin_url, timeout=5)
            except Exception:  # noqa: BLE001 - Postgres away (restarting, failing over): again
                await asyncio.sleep(0.5)
                continue
            try:
                while not self._stopping.is_set():
                    await conn.execute(
                        "UPDATE referral.referrals SET next_breach_at = now() - interval '1 second'"
                        " WHERE complaint_id = ANY($1::uuid[]) AND service_code = $2"
                        " AND escalation_level IS NULL AND next_breach_at > now()",
                        list(self.load.accepted),
                        self.need,
                    )
                    await asyncio.sleep(0.5)
            except Exception:  # noqa: BLE001 - whatever cut the session: connect again
                await asyncio.sleep(0.5)
            finally:
                conn.terminate()


async def _dead_letter_ends(env: Any) -> dict[str, int]:
    """The end offset of each dead-letter topic there is (one partition each)."""
    return {
        name: records[-1].offset + 1 if records else 0
        for name, records in (
            await read_topics(
                env.kafka_bootstrap_servers, [env.layout.dlq(t) for t in topics.EVENT_TOPICS]
            )
        ).items()
    }


async def drop_topic(env: Any, name: str) -> None:
    """Delete a topic and wait until the broker no longer lists it."""
    admin = AIOKafkaAdminClient(bootstrap_servers=env.kafka_bootstrap_servers)
    await admin.start()
    try:
        if name in await admin.list_topics():
            await admin.delete_topics([name])
        for _ in range(150):
            if name not in await admin.list_topics():
                return
            await asyncio.sleep(0.2)
        raise AssertionError(f"{name} still exists")
    finally:
        await admin.close()


async def read_topics(bootstrap: str, names: list[str]) -> dict[str, list[ConsumerRecord]]:
    """Every record of each topic (in offset order per partition) up to its end at the call.

    A topic that does not exist reads as empty.
    """
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        described = await admin.describe_topics(names)
    finally:
        await admin.close()
    partitions = [
        TopicPartition(t["topic"], p["partition"])
        for t in described
        if not t.get("error_code")
        for p in t["partitions"]
    ]
    found: dict[str, list[ConsumerRecord]] = {name: [] for name in names}
    if not partitions:
        return found
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        end = await consumer.end_offsets(partitions)
        by_partition: dict[TopicPartition, list[ConsumerRecord]] = defaultdict(list)
        while [tp for tp in partitions if await consumer.position(tp) < end[tp]]:
            for tp, batch in (await consumer.getmany(timeout_ms=1000)).items():
                by_partition[tp] += [r for r in batch if r.offset < end[tp]]
        for tp in sorted(by_partition, key=lambda tp: (tp.topic, tp.partition)):
            found[tp.topic] += by_partition[tp]
        return found
    finally:
        await consumer.stop()


def _event(record: ConsumerRecord) -> dict[str, Any] | None:
    """The CloudEvent of a record; None for a bad record a test injected."""
    try:
        event = json.loads(record.value)
        return event if isinstance(event, dict) and isinstance(event.get("data"), dict) else None
    except (ValueError, TypeError):
        return None


@dataclass
class Observation:
    """What every service shows about one load's complaints, at one moment."""

    dispatched: dict[str, dict[str, set[str]]]  # complaint -> need -> referral ids on Kafka
    referral_agency: dict[str, str]  # referral id -> agency, from referral.dispatched
    escalations: dict[str, set[str]]  # referral id -> referral.escalated event ids
    copies: dict[str, list[dict[str, Any]]]  # referral id -> its agency copies, in order
    copy_ids: dict[str, list[str]]  # agency topic -> event ids of its copies
    dead: list[str]  # dead letters that no test injected: where they came from
    cases: dict[str, list[dict[str, Any]] | None]  # complaint -> referral's referrals
    at_agency: dict[str, dict[str, list[dict[str, Any]]]]  # agency -> complaint -> its views
    monitoring: dict[str, dict[str, int]]  # village -> {"received": n, "escalations": n}
    problems: list[str] = field(default_factory=list)


async def _observe(platform: Any, load: SteadyLoad) -> Observation:
    env = platform.env
    wanted = set(load.accepted)
    agencies = sorted({agency_of(n) for sent in load.accepted.values() for n in sent.needs})
    agency_topics = {env.layout.agency(a): a for a in agencies}
    dlqs = [env.layout.dlq(t) for t in topics.EVENT_TOPICS]
    dispatched_topic = env.layout.name(topics.REFERRAL_DISPATCHED)
    escalated_topic = env.layout.name(topics.REFERRAL_ESCALATED)
    # A personal topic's dead letters point at the record: what was injected is read there.
    personal = [env.layout.name(t) for t in sorted(topics.PERSONAL_DATA_TOPICS)]
    records = await read_topics(
        env.kafka_bootstrap_servers,
        [dispatched_topic, escalated_topic, *agency_topics, *dlqs, *personal],
    )
    originals = {
        (r.topic, r.partition, r.offset): r.value or b"" for n in personal for r in records[n]
    }

    def content(letter: ConsumerRecord) -> bytes:
        headers = dict(letter.headers)
        if headers.get("dlq-topic", b"").decode() not in personal:
            return letter.value or b""
        at = (
            headers["dlq-topic"].decode(),
            int(headers["dlq-partition"]),
            int(headers["dlq-offset"]),
        )
        return originals.get(at, b"")

    dispatched: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    referral_agency: dict[str, str] = {}
    for record in records[dispatched_topic]:
        event = _event(record)
        if event and event["data"].get("complaint_id") in wanted:
            data = event["data"]
            dispatched[data["complaint_id"]][data["service_code"]].add(data["referral_id"])
            referral_agency[data["referral_id"]] = data["agency_code"]
    escalations: dict[str, set[str]] = defaultdict(set)
    for record in records[escalated_topic]:
        event = _event(record)
        if event and event["data"].get("complaint_id") in wanted:
            escalations[event["data"]["referral_id"]].add(event["id"])
    copies: dict[str, list[dict[str, Any]]] = defaultdict(list)
    copy_ids: dict[str, list[str]] = defaultdict(list)
    for name in agency_topics:
        for record in records[name]:
            event = _event(record)
            if event and event["data"].get("complaint_id") in wanted:
                copies[event["data"]["referral_id"]].append(event["data"])
                copy_ids[name].append(event["id"])
    dead = [
        f"{name}[{r.partition}]@{r.offset} "
        f"({dict(r.headers).get('dlq-error-type', b'?').decode()}: "
        f"{dict(r.headers).get('dlq-error', b'').decode()[:160]})"
        for name in dlqs
        for r in records[name]
        if r.offset >= load.dead_marks.get(name, 0)
        and not any(marker.encode() in content(r) for marker in platform.injected)
    ]

    async with httpx.AsyncClient(timeout=20) as http:
        cases: dict[str, list[dict[str, Any]] | None] = {}
        for complaint_id in wanted:
            answer = await http.get(
                f"{platform.url('referral')}/v1/cases/{complaint_id}",
                headers=platform.district(),
            )
            cases[complaint_id] = answer.json()["referrals"] if answer.status_code == 200 else None
        at_agency: dict[str, dict[str, list[dict[str, Any]]]] = {}
        for agency in agencies:
            at_agency[agency] = defaultdict(list)
            cursor = None
            while True:
                params: dict[str, Any] = {"limit": 200, **({"cursor": cursor} if cursor else {})}
                answer = await http.get(
                    f"{platform.url('agency-gateway')}/v1/referrals",
                    headers=platform.agency(agency),
                    params=params,
                )
                answer.raise_for_status()
                page = answer.json()
                for item in page["items"]:
                    if item["complaint_id"] in wanted:
                        at_agency[agency][item["complaint_id"]].append(item)
                cursor = page["next_cursor"]
                if not cursor:
                    break
        monitoring = {}
        for village in load.villages:
            card = (
                await http.get(
                    f"{platform.url('monitoring')}/v1/puskesos/{village}", params={"period": "all"}
                )
            ).json()
            monitoring[village] = {"received": card["received"], "escalations": card["escalations"]}
    return Observation(
        dispatched,
        referral_agency,
        escalations,
        copies,
        copy_ids,
        dead,
        cases,
        at_agency,
        monitoring,
    )


def _examples(items: list[Any], n: int = 3) -> str:
    shown = ", ".join(str(i) for i in items[:n])
    return f"{len(items)} (e.g. {shown})"


def _resident_problem(resident: dict[str, Any] | None, sent: Sent, level: str) -> str | None:
    """What is wrong with the resident data an agency got, for a service of this pii_level."""
    if resident is None:
        return "resident is null"
    allowed = set(disclosed_fields(level))
    for name in ("nik", "name", "phone", "address", "description"):
        want = sent.resident.get(name) if name in allowed else None
        if resident.get(name) != want:
            return f"{name}={resident.get(name)!r}, want {want!r} ({level})"
    return None


def check(obs: Observation, load: SteadyLoad) -> list[str]:
    """Every way the observation breaks the truth, one line per check with its evidence."""
    problems: list[str] = []
    levels = {code: s.pii_level for code, s in reference.services().items()}
    if len(load.accepted) != load.total:
        problems.append(f"accepted: {len(load.accepted)} of {load.total} complaints")

    missing, doubled = [], []
    referral_need: dict[str, tuple[str, str]] = {}  # referral -> (complaint, need)
    for complaint_id, sent in load.accepted.items():
        found = obs.dispatched.get(complaint_id, {})
        for need in sent.needs:
            ids = found.get(need, set())
            if not ids:
                missing.append(f"{complaint_id}/{need}")
            elif len(ids) > 1:
                doubled.append(f"{complaint_id}/{need}: {sorted(ids)}")
            for referral_id in ids:
                referral_need[referral_id] = (complaint_id, need)
        extra = set(found) - set(sent.needs)
        if extra:
            doubled.append(f"{complaint_id}: needs never asked {sorted(extra)}")
    if missing:
        problems.append(f"kafka: needs without a referral.dispatched: {_examples(missing)}")
    if doubled:
        problems.append(f"kafka: needs with more than one referral: {_examples(doubled)}")

    def kafka_ids(complaint_id: str) -> dict[str, set[str]]:
        return {n: set(ids) for n, ids in obs.dispatched.get(complaint_id, {}).items()}

    wrong_cases = []
    for complaint_id, sent in load.accepted.items():
        case = obs.cases.get(complaint_id)
        if case is None:
            wrong_cases.append(f"{complaint_id}: no case")
            continue
        stored: dict[str, set[str]] = defaultdict(set)
        for r in case:
            stored[r["service_code"]].add(r["referral_id"])
        if sorted(r["service_code"] for r in case) != sorted(sent.needs) or (
            dict(stored) != kafka_ids(complaint_id)
        ):
            wrong_cases.append(f"{complaint_id}: {dict(stored)} vs Kafka {kafka_ids(complaint_id)}")
    if wrong_cases:
        problems.append(
            f"referral: cases not one referral per need as on Kafka: {_examples(wrong_cases)}"
        )

    wrong_at_agency, bad_api_resident = [], []
    for complaint_id, sent in load.accepted.items():
        for need in sent.needs:
            agency = agency_of(need)
            want = obs.dispatched.get(complaint_id, {}).get(need, set())
            seen = [
                v
                for v in obs.at_agency.get(agency, {}).get(complaint_id, [])
                if v["service_code"] == need
            ]
            if sorted(v["referral_id"] for v in seen) != sorted(want) or len(seen) != 1:
                wrong_at_agency.append(
                    f"{agency} {complaint_id}/{need}: {[v['referral_id'] for v in seen]}"
                )
                continue
            problem = _resident_problem(seen[0]["resident"], sent, levels[need])
            if problem:
                bad_api_resident.append(f"{agency} {seen[0]['referral_id']}: {problem}")
    if wrong_at_agency:
        problems.append(
            f"gateway API: not one referral per need at its agency: {_examples(wrong_at_agency)}"
        )
    if bad_api_resident:
        problems.append(
            f"gateway API: resident data not as the service allows: {_examples(bad_api_resident)}"
        )

    no_copy, bad_copy = [], []
    for referral_id, (complaint_id, need) in referral_need.items():
        copies = obs.copies.get(referral_id, [])
        if not copies:
            no_copy.append(f"{obs.referral_agency[referral_id]} {referral_id}")
            continue
        problem = _resident_problem(
            copies[-1].get("resident"), load.accepted[complaint_id], levels[need]
        )
        if problem:
            bad_copy.append(
                f"{obs.referral_agency[referral_id]} {referral_id} "
                f"(last of {len(copies)} copies): {problem}"
            )
    if no_copy:
        problems.append(f"agency topics: referrals without any copy: {_examples(no_copy)}")
    if bad_copy:
        problems.append(
            f"agency topics: last copy without the resident data its service "
            f"allows: {_examples(bad_copy)}"
        )

    to_escalate = {r for r, (_, need) in referral_need.items() if need == ESCALATED_NEED}
    never, twice, unasked = [], [], []
    for referral_id in sorted(to_escalate):
        count = len(obs.escalations.get(referral_id, set()))
        if count == 0:
            never.append(referral_id)
        elif count > 1:
            twice.append(f"{referral_id}: {count}")
    unasked = sorted(set(obs.escalations) - to_escalate)
    if never:
        problems.append(f"referral: overdue referrals never escalated: {_examples(never)}")
    if twice or unasked:
        problems.append(
            f"referral: escalations not one per overdue referral: {_examples(twice + unasked)}"
        )
    escalated = {r for r in to_escalate if obs.escalations.get(r)}
    api_level = {
        v["referral_id"]: v["escalation_level"]
        for by_complaint in obs.at_agency.values()
        for views in by_complaint.values()
        for v in views
    }
    case_level = {
        r["referral_id"]: r["escalation_level"] for case in obs.cases.values() for r in case or []
    }
    lost_api = sorted(r for r in escalated if api_level.get(r) != "kecamatan")
    lost_copy = sorted(
        r
        for r in escalated
        if not obs.copies.get(r) or obs.copies[r][-1].get("escalation_level") != "kecamatan"
    )
    lost_case = sorted(r for r in escalated if case_level.get(r) != "kecamatan")
    if lost_api:
        problems.append(
            f"gateway API: escalations that never reached it: "
            f"{_examples([f'{r} ({api_level.get(r)})' for r in lost_api])}"
        )
    if lost_copy:
        problems.append(
            f"agency topics: escalations missing from the last copy: {_examples(lost_copy)}"
        )
    if lost_case:
        problems.append(f"referral: escalations not in its tables: {_examples(lost_case)}")

    per_village: dict[str, dict[str, int]] = {
        v: {"received": 0, "escalations": 0} for v in load.villages
    }
    for sent in load.accepted.values():
        per_village[sent.village]["received"] += 1
    for referral_id in escalated:
        complaint_id, _ = referral_need[referral_id]
        per_village[load.accepted[complaint_id].village]["escalations"] += len(
            obs.escalations[referral_id]
        )
    if obs.monitoring != per_village:
        problems.append(f"monitoring: counts {obs.monitoring}, truth {per_village}")

    if obs.dead:
        problems.append(f"dead letters nobody injected: {_examples(obs.dead)}")
    return problems


async def _backlog(env: Any) -> dict[str, int]:
    """Records each group has not committed yet, rows in each outbox, and each topic's end."""
    bootstrap = env.kafka_bootstrap_servers
    backlog: dict[str, int] = {}
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    offsets = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await admin.start()
    await offsets.start()
    try:
        for service, consumed in CONSUMED_BY.items():
            names = [env.layout.name(t) for t in consumed]
            lag = await group_lag(admin, offsets, f"{env.topic_prefix}slrt-{service}", names)
            backlog[f"lag {service}"] = sum(lag.values())
        watched = [
            t
            for t in await admin.list_topics()
            if t.startswith(env.topic_prefix) and t != env.layout.name(topics.RANKING_UPDATED)
        ]
        described = await admin.describe_topics(watched)
        partitions = [
            TopicPartition(t["topic"], p["partition"])
            for t in described
            if not t.get("error_code")
            for p in t["partitions"]
        ]
        offsets.assign(partitions)
        ends = await offsets.end_offsets(partitions)
        backlog["records on the topics"] = sum(ends.values())
    finally:
        await offsets.stop()
        await admin.close()
    conn = await asyncpg.connect(env.database_admin_url, timeout=10)
    try:
        for schema in RELAYING:
            backlog[f"outbox {schema}"] = await conn.fetchval(
                f"SELECT count(*) FROM {schema}.outbox"
            )
    finally:
        await conn.close()
    return backlog


def settled(backlog: dict[str, int]) -> bool:
    """Nothing left to consume and nothing left to publish."""
    return all(v == 0 for k, v in backlog.items() if k != "records on the topics")


def wait_for_truth(
    platform: Any, load: SteadyLoad, within: float = SETTLE_SECONDS, *, require: Any = None
) -> Observation:
    """Wait until the truth holds; fail, with every broken check, once settled or at the deadline.

    `require` (observation -> list of problems) adds checks of a test's own.
    """
    load.wait()
    deadline = time.monotonic() + within
    before: dict[str, int] | None = None
    while True:
        try:
            backlog = asyncio.run(_backlog(platform.env))
            obs = asyncio.run(_observe(platform, load))
            after = asyncio.run(_backlog(platform.env))
        except (
            KafkaError,
            OSError,
            TimeoutError,
            httpx.HTTPError,
            asyncpg.PostgresError,
            asyncpg.InterfaceError,
            ValueError,
            KeyError,
        ) as exc:
            # A service or the broker not answering yet (just restarted): look again.
            obs, backlog, after = None, {"unreachable": 1}, {"error": repr(exc)}  # type: ignore[assignment]
        if obs is not None:
            obs.problems = check(obs, load) + (require(obs) if require else [])
            if not obs.problems:
                return obs
        # Settled twice in a row, with nothing published in between: nothing will change now.
        still = settled(backlog) and backlog == after and before == backlog
        if obs is not None and still:
            raise AssertionError(_report("the platform settled", obs.problems, after, load))
        if time.monotonic() > deadline:
            problems = obs.problems if obs is not None else ["could not observe"]
            raise AssertionError(_report(f"not settled after {within:.0f}s", problems, after, load))
        before = after if settled(after) else None
        time.sleep(2)


def _report(state: str, problems: list[str], backlog: dict[str, Any], load: SteadyLoad) -> str:
    lines = [f"{state} with the truth broken ({len(problems)} checks failed):"]
    lines += [f"  - {p}" for p in problems]
    lines.append(f"  backlog: {backlog}")
    lines.append("  the services' commonest warnings and errors since the load began:")
    digest = log_digest(load.platform.paths.logs, load.log_marks)
    lines += [f"    {n:>4} x {what}" for what, n in digest]
    return "\n".join(lines)


_IDS = re.compile(r"[0-9a-f]{8}-[0-9a-f-]{27}|\b\d+\b")


def log_digest(folder: Any, since: dict[str, int], top: int = 10) -> list[tuple[str, int]]:
    """The commonest warnings and errors of the services' JSON logs past the given offsets."""
    counts: Counter[str] = Counter()
    for log in sorted(folder.glob("*.log")):
        with log.open("rb") as f:
            f.seek(since.get(log.name, 0))
            text = f.read().decode(errors="replace")
        for line in text.splitlines():
            try:
                entry = json.loads(line)
            except ValueError:
                continue
            if isinstance(entry, dict) and entry.get("level") in ("WARNING", "ERROR"):
                first_line = str(entry.get("message", "")).strip().split("\n")[0]
                message = _IDS.sub("#", first_line)[:110]
                counts[f"{log.stem} {entry.get('level')} {entry.get('logger')}: {message}"] += 1
    return counts.most_common(top)


def assert_truth(platform: Any, load: SteadyLoad) -> Observation:
    """Exactly one referral per need everywhere, complete copies, escalations, true counts."""
    return wait_for_truth(platform, load)


@contextlib.asynccontextmanager
async def read_only(env: Any) -> AsyncIterator[None]:
    """Act out a Postgres failover on the env's database: read-only inside, writable after.

    Every session is cut, and those that connect again find a server that refuses writes (as a
    demoted primary or a standby does) until the new primary takes over on leaving; then every
    session is cut once more.
    """
    admin = await asyncpg.connect(env.admin_url)
    cut = (
        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
        " WHERE datname = $1 AND pid <> pg_backend_pid()"
    )
    try:
        await admin.execute(
            f'ALTER DATABASE "{env.database}" SET default_transaction_read_only = on'
        )
        await admin.fetchval(cut, env.database)
        yield
    finally:
        await admin.execute(f'ALTER DATABASE "{env.database}" RESET default_transaction_read_only')
        await admin.fetchval(cut, env.database)
        await admin.close()


async def rewind_group(test_env: Any, service: str, within: float = 60) -> None:
    """Move a stopped service's consumer group back to the first offset of what it consumes.

    The broker accepts the commit only once the group is empty, i.e. when the killed members'
    sessions have expired, so this retries until then.
    """
    bootstrap = test_env.kafka_bootstrap_servers
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        described = await admin.describe_topics(
            [test_env.layout.name(t) for t in CONSUMED_BY[service]]
        )
    finally:
        await admin.close()
    partitions = [
        TopicPartition(t["topic"], p["partition"]) for t in described for p in t["partitions"]
    ]
    deadline = time.monotonic() + within
    while True:
        consumer = AIOKafkaConsumer(
            bootstrap_servers=bootstrap,
            group_id=f"{test_env.topic_prefix}slrt-{service}",
            enable_auto_commit=False,
        )
        await consumer.start()
        try:
            consumer.assign(partitions)
            starts = await consumer.beginning_offsets(partitions)
            await consumer.commit(dict(starts.items()))
            return
        except KafkaError:
            if time.monotonic() > deadline:
                raise
        finally:
            await consumer.stop()
        await asyncio.sleep(1)


async def unconsumed_share(test_env: Any, service: str) -> tuple[int, int]:
    """(records the service's group has not committed, records on its topics)."""
    bootstrap = test_env.kafka_bootstrap_servers
    names = [test_env.layout.name(t) for t in CONSUMED_BY[service]]
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    offsets = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await admin.start()
    await offsets.start()
    try:
        lag = await group_lag(admin, offsets, f"{test_env.topic_prefix}slrt-{service}", names)
        partitions = list(offsets.assignment())
        ends = await offsets.end_offsets(partitions)
        starts = await offsets.beginning_offsets(partitions)
        return sum(lag.values()), sum(ends[tp] - starts[tp] for tp in partitions)
    finally:
        await offsets.stop()
        await admin.close()
