"""After one complaint's whole life, no personal data anywhere but where it belongs.

One resident's complaint is registered through the API (a `special` need and a `basic` one) and
again through Open311; it is referred, district staff read it, an agency acknowledges it with a
note, rejects one need with a free-text reason and resolves the other with a note (the notes
carry the resident's name, a diagnosis and the NIK); the next agency resolves the rejected need,
so the case closes. The resident reopens it and, once it closes again, rates it, both times in
words naming them. The agency has a webhook on 127.0.0.1 that first fails with a body echoing
what it got; a poison `complaint.pii` record carrying the resident's data makes a dead letter.

Then each place is searched for the resident's data and for any number a NIK could be, each in
its own test: every Kafka topic of the run (records, keys, every header) but the two personal
ones, every dead-letter topic, the Postgres server log, the services' logs, every public answer,
the webhook delivery log, and the tables of referral and monitoring. A finding names where it is.
The scan first proves it reads each place (not empty, grown) and finds what was planted there.
"""

from __future__ import annotations

import asyncio
import json
import re
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
import httpx
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from slrt_shared.contracts import topics
from slrt_shared.contracts.envelope import new_event
from slrt_shared.contracts.events import ComplaintPii

from .conftest import referrals_of
from .personal_data import RESIDENT, SECRETS, leaks

pytestmark = [pytest.mark.e2e, pytest.mark.integration, pytest.mark.security]

VILLAGE = "32.15.08.2001"
REGENCY = "32.15"
SPECIAL, BASIC, OPEN311_SERVICE = "DISABILITAS", "GRADUASI", "RTLH"
AGENCY, NEXT_AGENCY = "DINSOS", "DISKOPUKM"
# The reference rule sends GRADUASI to PKH first; the scan's kecamatan sends it to DINSOS, then
# DISKOPUKM, so that both needs meet at one agency and the rejected one moves on.
KECAMATAN = "32.15.08"
DIAGNOSIS = "katarak senilis bilateral"
NOTE = f"Ibu {RESIDENT['name']} (NIK {RESIDENT['nik']}), diagnosis {DIAGNOSIS}"
REASON = f"Ibu {RESIDENT['name']} NIK {RESIDENT['nik']} sudah dibantu program lain"
# What the operator wrote for the basic need: personal data its agency sees, nobody else.
NEED_DETAIL = "tongkat putih dicuri di pasar Cilamaya"
# The resident's household in a DTSEN data proposal of the village: its KK number and what to
# change are personal data, kept and carried where the resident's are.
PROPOSAL_KK = "3215087302110417"
PROPOSAL_DETAIL = "anak ketiga lahir di Puskesmas Cilamaya bulan Mei"
SCANNED = [*SECRETS, DIAGNOSIS, NEED_DETAIL, PROPOSAL_KK, PROPOSAL_DETAIL]
# complaint.pii and the agencies' own topics are the personal ones: the scan reads them only to
# prove it finds the resident there. Every other topic of the run must hold none.
EVENT_TOPICS = [t for t in topics.EVENT_TOPICS if t != topics.COMPLAINT_PII]
DLQ_TOPICS = [topics.dlq(t) for t in topics.EVENT_TOPICS]
# The topics one complaint's life writes records of it to (no escalation: none is overdue).
LIVED_ON = [
    topics.COMPLAINT_CREATED,
    topics.REFERRAL_DISPATCHED,
    topics.REFERRAL_UPDATED,
    topics.CASE_RESOLVED,
    topics.COMPLAINT_CLOSED,
]
SERVICES = ("intake", "referral", "agency-gateway", "monitoring")
PUBLIC = [
    "track",
    "track-open311",
    "open311-discovery",
    "open311-services",
    "open311-service-special",
    "open311-service-basic",
    "open311-requests",
    "open311-request",
    "open311-request-open311",
    "open311-requests-xml",
    "open311-request-open311-xml",
    "directory",
    "desk-page",
    "desk-script",
    "desk-catalogue",
    "console-page",
    "console-script",
    "console-catalogue",
    "monitoring-page",
    "monitoring-puskesos-page",
    "monitoring-puskesos",
    "monitoring-rankings-village",
    "monitoring-rankings-kecamatan",
    "monitoring-rankings-agency",
    "monitoring-rankings-csv",
    "monitoring-map",
    "monitoring-underperformers",
    "monitoring-bulletin",
    "monitoring-programmes",
]


def until(probe: Callable[[], Any], what: str, timeout: float = 60) -> Any:
    """Poll the probe until it answers something truthy; fail naming what never came."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        answer = probe()
        if answer:
            return answer
        time.sleep(0.2)
    raise AssertionError(f"{what}: not reached in {timeout}s")


class EchoingReceiver:
    """A webhook receiver on 127.0.0.1 that fails echoing the request body until told not to."""

    def __init__(self) -> None:
        self.failing = True
        self.failed: list[bytes] = []
        self.received: list[dict[str, Any]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["content-length"]))
                if receiver.failing:
                    receiver.failed.append(body)
                    # As a receiver's validation error might: quoting what it could not take.
                    resident = json.loads(body).get("data", {}).get("resident")
                    echo = f"resident not accepted: {json.dumps(resident)}".encode()
                    self.send_response(500)
                    self.send_header("content-length", str(len(echo)))
                    self.end_headers()
                    self.wfile.write(echo)
                    return
                receiver.received.append(json.loads(body))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/slrt"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        """Stop serving."""
        self.server.shutdown()
        self.server.server_close()


def dead_letter_of(record: Record, topic: str, coordinates: tuple[int, int]) -> bool:
    """Whether the record is the dead letter of the record at the coordinates of the topic."""
    headers = dict(record.headers)
    return (headers.get("dlq-topic"), headers.get("dlq-partition"), headers.get("dlq-offset")) == (
        topic.encode(),
        str(coordinates[0]).encode(),
        str(coordinates[1]).encode(),
    )


def leaves(value: Any, path: str = "$") -> Iterator[tuple[str, str]]:
    """Each scalar of a JSON value with its path, so a finding names the field."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from leaves(item, f"{path}.{key}")
    elif isinstance(value, list):
        for n, item in enumerate(value):
            yield from leaves(item, f"{path}[{n}]")
    else:
        yield path, str(value)


@dataclass
class Record:
    """One Kafka record, as raw as it was read."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: list[tuple[str, bytes]]

    def parts(self) -> Iterator[tuple[str, str]]:
        """Each part of the record with where it is: key, value, every header."""
        at = f"{self.topic}[{self.partition}]@{self.offset}"
        yield f"{at} key", (self.key or b"").decode(errors="replace")
        value = (self.value or b"").decode(errors="replace")
        try:
            yield from ((f"{at} value {path}", text) for path, text in leaves(json.loads(value)))
        except ValueError:
            yield f"{at} value", value
        for name, raw in self.headers:
            yield f"{at} header {name!r}", f"{name}: {(raw or b'').decode(errors='replace')}"


@dataclass
class Scan:
    """Everything read after the complaint's life, by place."""

    prefix: str
    complaint_id: str
    tickets: list[str]
    marker: str
    poison: tuple[int, int]  # partition and offset of the poison complaint.pii record
    resident_codes: list[str] = field(default_factory=list)  # as the registrations answered
    records: dict[str, list[Record]] = field(default_factory=dict)
    postgres_log: str = ""
    postgres_log_path: Path | None = None
    service_logs: dict[str, str] = field(default_factory=dict)
    service_logs_grew: dict[str, bool] = field(default_factory=dict)
    public: dict[str, tuple[str, int, str]] = field(default_factory=dict)  # url, status, body
    deliveries: list[str] = field(default_factory=list)  # delivery-log answers, as read
    webhook_failed: list[bytes] = field(default_factory=list)
    webhook_received: list[dict[str, Any]] = field(default_factory=list)
    tables: dict[str, dict[str, list[str]]] = field(default_factory=dict)  # schema: table: rows

    def topic(self, contract_topic: str) -> list[Record]:
        """The records of a contract topic under the run's prefix."""
        return self.records.get(self.prefix + contract_topic, [])


PERSONAL_TOPIC = re.compile(r"(?:^|\.)(?:complaint\.pii|agency\.[A-Z0-9_]+\.referrals)$")


def personal(scan: Scan, name: str) -> bool:
    """Whether the topic is a personal one: complaint.pii or an agency's own.

    Other tests of the session lay their own topics out under a further prefix of the run's
    (`<run>.<test>.complaint.pii`); theirs are personal by the same contract name.
    """
    return name.startswith(scan.prefix) and bool(PERSONAL_TOPIC.search(name))


def table_places(scan: Scan, schema: str) -> Iterator[tuple[str, str]]:
    """Each column of each row of the schema's tables, named by table, row and column."""
    for table, rows in scan.tables[schema].items():
        for n, row in enumerate(rows, 1):
            for column, text in leaves(json.loads(row)):
                yield f"{schema}.{table} row {n} {column}", text


def findings(places: Iterable[tuple[str, str]]) -> list[str]:
    """Each leak in the places, named by where it was found."""
    return [f"{where}: {leak}" for where, text in places for leak in leaks(text, SCANNED)]


def assert_clean(places: Iterable[tuple[str, str]]) -> None:
    """Fail listing every leak in the places, each with where it was found."""
    found = findings(places)
    assert not found, f"{len(found)} finding(s):\n" + "\n".join(found)


async def read_topics(bootstrap: str, prefix: str) -> dict[str, list[Record]]:
    """Every record of every topic under the prefix, from the beginning to the end."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        names = sorted(t for t in await admin.list_topics() if t.startswith(prefix))
        described = await admin.describe_topics(names) if names else []
    finally:
        await admin.close()
    parts = [
        TopicPartition(t["topic"], p["partition"])
        for t in described
        if not t.get("error_code")
        for p in t["partitions"]
    ]
    assert {p.topic for p in parts} == set(names), f"topics not described: {names}"
    read: dict[str, list[Record]] = {name: [] for name in names}
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap, enable_auto_commit=False, auto_offset_reset="earliest"
    )
    await consumer.start()
    try:
        consumer.assign(parts)
        await consumer.seek_to_beginning(*parts)
        ends = await consumer.end_offsets(parts)
        pending = {p for p in parts if ends[p] > 0}
        while pending:
            for part, batch in (await consumer.getmany(*pending, timeout_ms=1000)).items():
                read[part.topic] += [
                    Record(r.topic, r.partition, r.offset, r.key, r.value, list(r.headers))
                    for r in batch
                    if r.offset < ends[part]
                ]
            pending = {p for p in pending if await consumer.position(p) < ends[p]}
        return read
    finally:
        await consumer.stop()


async def inject_poison(bootstrap: str, topic: str, marker: str) -> tuple[int, int]:
    """A complaint.pii record with the resident's data whose complaint id is not a UUID."""
    event = new_event(
        ComplaintPii(
            complaint_id=uuid.uuid4(),
            nik=RESIDENT["nik"],
            name=RESIDENT["name"],
            phone=RESIDENT["phone"],
            address=RESIDENT["address"],
            description=f"{DIAGNOSIS} {marker}",
        ),
        source="/slrt/test",
        subject=marker,
    )
    poison = event.model_copy(update={"data": {**event.data, "complaint_id": f"bad-{marker}"}})
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    try:
        sent = await producer.send_and_wait(topic, poison.to_bytes(), key=marker.encode())
        return sent.partition, sent.offset
    finally:
        await producer.stop()


async def server_log_path(admin_url: str) -> Path:
    """Where the Postgres server writes its log.

    The local stack starts it with `pg_ctl -l <cluster>/postgres.log` beside `<cluster>/data`
    (slrt_devstack.postgres); a server with the logging collector names its file itself.
    """
    connection = await asyncpg.connect(admin_url)
    try:
        data = Path(await connection.fetchval("show data_directory"))
        current = await connection.fetchval("select pg_current_logfile()")
    finally:
        await connection.close()
    return data / current if current else data.parent / "postgres.log"


async def slow_statements(admin_url: str, marker: str) -> None:
    """A slow statement with a planted marker in its text and the resident's NIK as parameter."""
    connection = await asyncpg.connect(admin_url)
    try:
        # pg_sleep(1.1) lasts at least 1.1 s: over the 1 s slow-statement threshold.
        await connection.fetchrow(
            f"select pg_sleep(1.1), $1::text as nik, 'planted-{marker}' as marker", RESIDENT["nik"]
        )
    finally:
        await connection.close()


async def table_rows(url: str, schemas: tuple[str, ...]) -> dict[str, dict[str, list[str]]]:
    """Every row of every table of the schemas, as JSON text."""
    connection = await asyncpg.connect(url)
    try:
        tables = await connection.fetch(
            "SELECT table_schema, table_name FROM information_schema.tables"
            " WHERE table_schema = ANY($1::text[]) AND table_type = 'BASE TABLE'"
            " ORDER BY 1, 2",
            list(schemas),
        )
        rows: dict[str, dict[str, list[str]]] = {schema: {} for schema in schemas}
        for t in tables:
            name = f'"{t["table_schema"]}"."{t["table_name"]}"'
            rows[t["table_schema"]][t["table_name"]] = [
                r[0] for r in await connection.fetch(f"SELECT row_to_json(t)::text FROM {name} t")
            ]
        return rows
    finally:
        await connection.close()


async def monitoring_saw_the_close(url: str, complaint_id: str) -> bool:
    """Whether monitoring has projected the case closed with both outcomes."""
    connection = await asyncpg.connect(url)
    try:
        closed = await connection.fetchval(
            "SELECT closed_at IS NOT NULL FROM monitoring.complaint_facts WHERE complaint_id = $1",
            uuid.UUID(complaint_id),
        )
        outcomes = await connection.fetchval(
            "SELECT count(*) FROM monitoring.referral_facts"
            " WHERE complaint_id = $1 AND outcome IS NOT NULL",
            uuid.UUID(complaint_id),
        )
    finally:
        await connection.close()
    return bool(closed) and outcomes == 2


def gateway_action(platform: Any, agency: str, referral_id: str, action: str, body: Any) -> None:
    """Act on a referral as the agency; it must succeed."""
    answer = httpx.post(
        f"{platform.urls['agency-gateway']}/v1/referrals/{referral_id}/{action}",
        json=body,
        headers={**platform.agency(agency), "Idempotency-Key": str(uuid.uuid4())},
    )
    assert answer.status_code == 200, (action, answer.text)


def deliveries(platform: Any) -> httpx.Response:
    """The agency's webhook delivery log, as the gateway answers it."""
    return httpx.get(
        f"{platform.urls['agency-gateway']}/v1/webhook/deliveries",
        headers=platform.agency(AGENCY),
        params={"limit": 500},
    )


def register_by_open311(platform: Any) -> tuple[str, str]:
    """Register the resident's basic-service request through Open311; its ticket."""
    first, last = RESIDENT["name"].split(" ", 1)
    form = {
        "jurisdiction_id": REGENCY,
        "api_key": platform.creds["operators"][VILLAGE],
        "service_code": OPEN311_SERVICE,
        "attribute[VILLAGE]": VILLAGE,
        "attribute[NIK]": RESIDENT["nik"],
        "first_name": first,
        "last_name": last,
        "phone": RESIDENT["phone"],
        "address_string": RESIDENT["address"],
        "description": "Rumah Ibu Kartini bocor, penyandang disabilitas netra.",
        "attribute[DETAIL]": NEED_DETAIL,
    }
    answer = httpx.post(f"{platform.urls['intake']}/open311/v2/requests.json", data=form)
    assert answer.status_code == 201, answer.text
    return str(answer.json()[0]["service_request_id"]), str(answer.json()[0]["resident_code"])


def live(platform: Any, test_env: Any, hook: EchoingReceiver, marker: str) -> Scan:
    """Drive the complaint through its whole life; read every place after."""
    logs = platform.paths.logs
    before = {s: (logs / f"{s}.log").stat().st_size for s in SERVICES}
    pg_log = asyncio.run(server_log_path(test_env.admin_url))
    assert pg_log.is_file(), f"the Postgres server log is not at {pg_log}"
    pg_start = pg_log.stat().st_size

    override = httpx.put(
        f"{platform.urls['referral']}/v1/rules/{BASIC}/kecamatan/{KECAMATAN}",
        headers={"Authorization": f"Bearer {platform.creds['admin']}"},
        json={"agencies": [AGENCY, NEXT_AGENCY], "sla_working_days": 30},
    )
    assert override.status_code == 200, override.text
    subscribed = httpx.put(
        f"{platform.urls['agency-gateway']}/v1/webhook",
        json={"url": hook.url},
        headers=platform.agency(AGENCY),
    )
    assert subscribed.status_code == 200, subscribed.text
    accepted = platform.register(
        {
            "village_code": VILLAGE,
            "needs": [SPECIAL, BASIC],
            "description": "Ibu Kartini penyandang disabilitas netra, butuh alat bantu.",
            "channel": "walk_in",
            "recorded_at": "2025-06-26T09:15:00+07:00",
            "resident": RESIDENT,
            "need_details": {BASIC: NEED_DETAIL},
        }
    )
    complaint_id, ticket = accepted["complaint_id"], accepted["ticket"]
    proposal = httpx.post(
        f"{platform.urls['intake']}/v1/data-proposals",
        json={
            "kind": "perubahan",
            "deliberation_date": datetime.now(ZoneInfo("Asia/Jakarta")).date().isoformat(),
            "kk_number": PROPOSAL_KK,
            "head_nik": RESIDENT["nik"],
            "head_name": RESIDENT["name"],
            "detail": PROPOSAL_DETAIL,
        },
        headers={**platform.operator(VILLAGE), "Idempotency-Key": str(uuid.uuid4())},
    )
    assert proposal.status_code == 201, proposal.text
    # The village's list of proposals shows codes and a masked name, never the household.
    proposals = httpx.get(
        f"{platform.urls['intake']}/v1/data-proposals", headers=platform.operator(VILLAGE)
    )
    assert proposals.status_code == 200 and proposal.json()["ticket"] in proposals.text
    assert leaks(proposals.text, SCANNED) == [], proposals.text
    open311_ticket, open311_code = register_by_open311(platform)
    codes = [accepted["resident_code"], open311_code]
    # An access read of the resident's data by district staff (audited).
    read = httpx.get(
        f"{platform.urls['intake']}/v1/complaints/{complaint_id}", headers=platform.district()
    )
    assert read.status_code == 200, read.text
    assert RESIDENT["nik"] in read.text
    pii = test_env.layout.name(topics.COMPLAINT_PII)
    poison = asyncio.run(inject_poison(test_env.kafka_bootstrap_servers, pii, marker))

    mine = until(
        lambda: (r := referrals_of(platform, AGENCY, complaint_id)) and len(r) == 2 and r,
        f"both referrals at {AGENCY}",
    )
    by_service = {r["service_code"]: r["referral_id"] for r in mine}
    # The failing receiver's echo lands in the delivery log; then it recovers.
    until(
        lambda: any(d["last_error"] for d in deliveries(platform).json()),
        "a failed webhook delivery in the log",
    )
    failing_log = deliveries(platform)
    hook.failing = False
    for service, referral_id in by_service.items():
        detail = httpx.get(
            f"{platform.urls['agency-gateway']}/v1/referrals/{referral_id}",
            headers=platform.agency(AGENCY),
        )
        assert detail.status_code == 200 and RESIDENT["name"] in detail.text, service
    gateway_action(platform, AGENCY, by_service[SPECIAL], "acknowledge", {"note": NOTE})
    gateway_action(platform, AGENCY, by_service[BASIC], "reject", {"reason": REASON})
    gateway_action(
        platform, AGENCY, by_service[SPECIAL], "resolve", {"outcome": "resolved", "note": NOTE}
    )
    moved = until(lambda: referrals_of(platform, NEXT_AGENCY, complaint_id), "the re-referral")
    gateway_action(platform, NEXT_AGENCY, moved[0]["referral_id"], "acknowledge", {"note": NOTE})
    gateway_action(
        platform,
        NEXT_AGENCY,
        moved[0]["referral_id"],
        "resolve",
        {"outcome": "partially_resolved", "note": NOTE},
    )
    until(
        lambda: (
            httpx.get(f"{platform.urls['intake']}/v1/track/{ticket}").json()["status"] == "closed"
        ),
        "the case closed",
    )
    until(
        lambda: [e for e in hook.received if e.get("subject") == complaint_id],
        "a webhook delivery received",
    )
    final_log = until(
        lambda: (
            (d := deliveries(platform)).status_code == 200
            and all(x["status"] != "pending" for x in d.json())
            and d
        ),
        "the delivery log settled",
    )

    dead = test_env.layout.dlq(topics.COMPLAINT_PII)
    until(
        lambda: any(
            dead_letter_of(r, pii, poison)
            for r in asyncio.run(read_topics(test_env.kafka_bootstrap_servers, dead))[dead]
        ),
        "the poison record's dead letter",
    )
    asyncio.run(slow_statements(test_env.admin_url, marker))
    database_url = test_env.admin_url.rsplit("/", 1)[0] + f"/{test_env.database}"
    until(
        lambda: asyncio.run(monitoring_saw_the_close(database_url, complaint_id)),
        "monitoring's projection of the closed case",
    )

    # The resident reopens it and gives a verdict, each time in words naming them: the words
    # stay in intake, the events carry codes only.
    reopened = httpx.post(
        f"{platform.urls['intake']}/v1/track/{ticket}/reopen",
        json={"code": accepted["resident_code"], "reason": "hanya_sebagian", "note": NOTE},
    )
    assert reopened.status_code == 201, reopened.text
    again = until(
        lambda: [r for r in referrals_of(platform, NEXT_AGENCY, complaint_id) if r["attempt"] > 2],
        "the reopened need back at its agency",
    )
    gateway_action(
        platform, NEXT_AGENCY, again[0]["referral_id"], "resolve", {"outcome": "resolved"}
    )
    until(
        lambda: (
            httpx.get(f"{platform.urls['intake']}/v1/track/{ticket}").json()["status"] == "closed"
        ),
        "the case closed again",
    )
    rated = httpx.post(
        f"{platform.urls['intake']}/v1/track/{ticket}/feedback",
        json={"code": accepted["resident_code"], "solved": "yes", "rating": 4, "comment": NOTE},
    )
    assert rated.status_code == 201, rated.text
    rated_topic = test_env.layout.name(topics.COMPLAINT_RATED)
    until(
        lambda: any(
            r.key == complaint_id.encode()
            for r in asyncio.run(read_topics(test_env.kafka_bootstrap_servers, rated_topic))[
                rated_topic
            ]
        ),
        "the verdict on its topic",
    )

    scan = Scan(
        test_env.topic_prefix, complaint_id, [ticket, open311_ticket], marker, poison, codes
    )
    scan.records = asyncio.run(read_topics(test_env.kafka_bootstrap_servers, test_env.topic_prefix))
    with pg_log.open("rb") as f:
        f.seek(pg_start)
        scan.postgres_log = f.read().decode(errors="replace")
    scan.postgres_log_path = pg_log
    for s in SERVICES:
        path = logs / f"{s}.log"
        scan.service_logs[s] = path.read_text(errors="replace")
        scan.service_logs_grew[s] = path.stat().st_size > before[s]
    scan.deliveries = [failing_log.text, final_log.text]
    scan.webhook_failed = list(hook.failed)
    scan.webhook_received = list(hook.received)
    scan.public = read_public(platform, ticket, open311_ticket)
    scan.tables = asyncio.run(
        table_rows(database_url, ("referral", "monitoring", "intake", "gateway"))
    )
    return scan


def read_public(platform: Any, ticket: str, open311_ticket: str) -> dict[str, tuple[str, int, str]]:
    """Every public answer, without any key."""
    intake, gateway, monitoring = (
        platform.urls[s] for s in ("intake", "agency-gateway", "monitoring")
    )
    open311 = f"{intake}/open311/v2"
    urls = {
        "track": f"{intake}/v1/track/{ticket}",
        "track-open311": f"{intake}/v1/track/{open311_ticket}",
        "open311-discovery": f"{open311}/discovery.json",
        "open311-services": f"{open311}/services.json?jurisdiction_id={REGENCY}",
        "open311-service-special": f"{open311}/services/{SPECIAL}.json?jurisdiction_id={REGENCY}",
        "open311-service-basic": f"{open311}/services/{BASIC}.json?jurisdiction_id={REGENCY}",
        "open311-requests": f"{open311}/requests.json?jurisdiction_id={REGENCY}",
        "open311-request": f"{open311}/requests/{ticket}.json?jurisdiction_id={REGENCY}",
        "open311-request-open311": (
            f"{open311}/requests/{open311_ticket}.json?jurisdiction_id={REGENCY}"
        ),
        "open311-requests-xml": f"{open311}/requests.xml?jurisdiction_id={REGENCY}",
        "open311-request-open311-xml": (
            f"{open311}/requests/{open311_ticket}.xml?jurisdiction_id={REGENCY}"
        ),
        "directory": f"{gateway}/v1/directory",
        # The agency desk's page and files (what it shows of a resident is the API's answer).
        "desk-page": f"{gateway}/desk/",
        "desk-script": f"{gateway}/desk/desk.js",
        "desk-catalogue": f"{gateway}/desk/catalogue.json",
        # The secretariat's console and its files.
        "console-page": f"{platform.urls['referral']}/console/",
        "console-script": f"{platform.urls['referral']}/console/console.js",
        "console-catalogue": f"{platform.urls['referral']}/console/catalogue.json",
        "monitoring-page": f"{monitoring}/",
        "monitoring-puskesos-page": f"{monitoring}/puskesos/{VILLAGE}",
        "monitoring-puskesos": f"{monitoring}/v1/puskesos/{VILLAGE}",
        "monitoring-rankings-village": f"{monitoring}/v1/rankings?level=village&regency={REGENCY}",
        "monitoring-rankings-kecamatan": (
            f"{monitoring}/v1/rankings?level=kecamatan&regency={REGENCY}"
        ),
        "monitoring-rankings-agency": f"{monitoring}/v1/rankings?level=agency&regency={REGENCY}",
        "monitoring-rankings-csv": f"{monitoring}/v1/rankings.csv?level=village&period=all",
        "monitoring-map": f"{monitoring}/v1/map?period=all",
        "monitoring-underperformers": f"{monitoring}/v1/underperformers?period=all",
        "monitoring-bulletin": f"{monitoring}/buletin",
        "monitoring-programmes": f"{monitoring}/v1/programmes?regency={REGENCY}",
    }
    assert sorted(urls) == sorted(PUBLIC)
    answers = {}
    for name, url in urls.items():
        answer = httpx.get(url)
        answers[name] = (url, answer.status_code, answer.text)
    return answers


@pytest.fixture(scope="module")
def scan(platform: Any, test_env: Any) -> Iterator[Scan]:
    """One complaint's whole life, then everything read back."""
    hook = EchoingReceiver()
    try:
        yield live(platform, test_env, hook, uuid.uuid4().hex)
    finally:
        hook.close()
        # Later tests of the session must not deliver to a receiver that is gone.
        httpx.delete(
            f"{platform.urls['agency-gateway']}/v1/webhook", headers=platform.agency(AGENCY)
        )


# --- the scan reads every place, and finds what is planted there --------------------------------


def test_the_scan_reads_every_topic_of_the_run(scan: Scan) -> None:
    missing = [
        t for t in [*topics.EVENT_TOPICS, *DLQ_TOPICS] if scan.prefix + t not in scan.records
    ]
    assert missing == [], f"topics the scan did not read: {missing}"
    agencies = [name for name in scan.records if personal(scan, name)]
    assert scan.prefix + topics.agency_topic(AGENCY) in agencies, agencies
    assert any(r.headers for t in EVENT_TOPICS for r in scan.topic(t)), "no header was read"


def test_the_scan_finds_the_resident_where_the_resident_belongs(scan: Scan) -> None:
    # The two personal topics carry the resident: the scan would see it on any other.
    for personal in (topics.COMPLAINT_PII, topics.agency_topic(AGENCY)):
        assert findings(p for r in scan.topic(personal) for p in r.parts()), personal
    # intake's and the gateway's tables hold the resident: the table scan would see it.
    for schema in ("intake", "gateway"):
        assert findings(table_places(scan, schema)), schema
    # The need's detail travels and is kept where the resident's data is, and reaches its agency.
    for personal in (topics.COMPLAINT_PII, topics.agency_topic(AGENCY)):
        texts = (t for r in scan.topic(personal) for _, t in r.parts())
        assert any(leaks(t, [NEED_DETAIL]) for t in texts), personal
    for schema in ("intake", "gateway"):
        assert any(leaks(t, [NEED_DETAIL]) for _, t in table_places(scan, schema)), schema
    # The DTSEN proposal's KK number and detail: on complaint.pii and in intake's tables.
    pii_texts = [t for r in scan.topic(topics.COMPLAINT_PII) for _, t in r.parts()]
    assert any(leaks(t, [PROPOSAL_KK]) for t in pii_texts)
    assert any(leaks(t, [PROPOSAL_DETAIL]) for t in pii_texts)
    assert any(leaks(t, [PROPOSAL_KK]) for _, t in table_places(scan, "intake"))
    # What the failing receiver answered held the resident's data: the delivery log could too.
    assert findings([("receiver", b"".join(scan.webhook_failed).decode())])


def test_the_scan_finds_a_statement_planted_in_the_postgres_log(scan: Scan) -> None:
    assert scan.postgres_log, f"{scan.postgres_log_path} did not grow during the run"
    assert leaks(scan.postgres_log, [f"planted-{scan.marker}"]), scan.postgres_log_path


# --- no personal data in any of them (each first shows it read its place) -----------------------


@pytest.mark.parametrize("topic", EVENT_TOPICS)
def test_no_personal_data_on_an_event_topic(scan: Scan, topic: str) -> None:
    assert scan.prefix + topic in scan.records, f"{topic} was not read"
    if topic in LIVED_ON:
        about = [r for r in scan.topic(topic) if any(scan.complaint_id in t for _, t in r.parts())]
        assert about, f"{topic}: no record of the complaint among {len(scan.topic(topic))} read"
    if topic == topics.RANKING_UPDATED:
        assert scan.topic(topic), f"{topic}: no record read"
    assert_clean(p for r in scan.topic(topic) for p in r.parts())


@pytest.mark.parametrize("topic", DLQ_TOPICS)
def test_no_personal_data_on_a_dead_letter_topic(scan: Scan, topic: str) -> None:
    assert scan.prefix + topic in scan.records, f"{topic} was not read"
    if topic == topics.dlq(topics.COMPLAINT_PII):
        pii = scan.prefix + topics.COMPLAINT_PII
        assert [r for r in scan.topic(topic) if dead_letter_of(r, pii, scan.poison)], (
            "the poison record's dead letter was not read"
        )
    assert_clean(p for r in scan.topic(topic) for p in r.parts())


def test_no_personal_data_on_any_other_topic_of_the_run(scan: Scan) -> None:
    known = {scan.prefix + t for t in [*EVENT_TOPICS, *DLQ_TOPICS]}
    others = [n for n in scan.records if n not in known and not personal(scan, n)]
    assert_clean(p for name in others for r in scan.records[name] for p in r.parts())


def test_no_personal_data_in_the_postgres_server_log(scan: Scan) -> None:
    assert scan.postgres_log, f"{scan.postgres_log_path} did not grow during the run"
    lines = scan.postgres_log.splitlines()
    assert_clean(
        (f"{scan.postgres_log_path} new line {n}", line) for n, line in enumerate(lines, 1)
    )


@pytest.mark.parametrize("service", SERVICES)
def test_no_personal_data_in_a_services_log(scan: Scan, service: str) -> None:
    assert scan.service_logs_grew[service], f"{service}.log did not grow during the run"
    lines = scan.service_logs[service].splitlines()
    assert_clean((f"{service}.log line {n}", line) for n, line in enumerate(lines, 1))


@pytest.mark.parametrize("name", PUBLIC)
def test_no_personal_data_in_a_public_answer(scan: Scan, name: str) -> None:
    url, status, body = scan.public[name]
    # Without a key, Open311 does not know a request about a special service.
    assert status == (404 if name == "open311-request" else 200), (url, status)
    assert body.strip(), url
    if name.startswith("track"):
        assert "status" in json.loads(body), url
    assert_clean([(url, body)])


def test_no_personal_data_in_the_webhook_delivery_log(scan: Scan) -> None:
    assert scan.webhook_failed and scan.webhook_received, "the webhook receiver got no delivery"
    read = [d for answer in scan.deliveries for d in json.loads(answer)]
    assert any(d["last_error"] for d in read), "no failed delivery in the log"
    assert_clean(
        (f"GET /v1/webhook/deliveries {d['id']} {part}", str(d[part])) for d in read for part in d
    )


@pytest.mark.parametrize("schema", ["referral", "monitoring"])
def test_no_personal_data_in_the_tables_of(scan: Scan, schema: str) -> None:
    assert any(scan.tables[schema].values()), f"{schema}: no table had a row"
    assert scan.complaint_id in "".join(r for rows in scan.tables[schema].values() for r in rows)
    assert_clean(table_places(scan, schema))


def test_the_residents_codes_are_nowhere_but_in_the_answers_that_issued_them(scan: Scan) -> None:
    # Answered once at registration, kept only as a keyed hash: on no topic (the personal ones
    # included), in no log, table or public answer, with or without its dash.
    assert len(scan.resident_codes) == 2 and all(len(c) == 9 for c in scan.resident_codes)
    codes = [*scan.resident_codes, *(c.replace("-", "") for c in scan.resident_codes)]
    places = [
        *((p, t) for records in scan.records.values() for r in records for p, t in r.parts()),
        *((f"{s}.log", text) for s, text in scan.service_logs.items()),
        ("postgres log", scan.postgres_log),
        *(p for schema in scan.tables for p in table_places(scan, schema)),
        *((url, body) for url, _, body in scan.public.values()),
        *(("delivery log", answer) for answer in scan.deliveries),
    ]
    found = [f"{where}: {leak}" for where, text in places for leak in leaks(text, codes)]
    assert not [f for f in found if "NIK-like" not in f], found
