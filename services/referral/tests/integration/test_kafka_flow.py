"""The referral service on a real Kafka and Postgres: events in, events out, HTTP for staff."""

from __future__ import annotations

import asyncio
import contextlib
import secrets
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import asyncpg
import httpx
import pytest
import pytest_asyncio
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.structs import RecordMetadata
from fastapi import FastAPI

from referral.adapters.calendar import PgCalendarStore
from referral.app import build
from referral.domain.sla import Calendar
from referral.entrypoints import cli_seed as seed
from referral.service_layer import calendar as calendar_use
from referral.service_layer.calendar import StoredCalendar
from referral.settings import ReferralSettings
from slrt_devstack import fixtures
from slrt_devstack.fixtures import REGENCY
from slrt_shared.contracts import topics
from slrt_shared.contracts.envelope import CloudEvent, decode, new_event
from slrt_shared.contracts.events import (
    CaseResolved,
    ComplaintCreated,
    ComplaintReopened,
    EventData,
    ReferralUpdated,
)
from slrt_shared.contracts.topics import TopicLayout
from slrt_shared.runtime import ServiceRuntime

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]

PARTITIONS = 3
ADMIN = "adm_" + secrets.token_hex(8)
DISTRICT = "dst_" + secrets.token_hex(8)
ELSEWHERE = "dst_" + secrets.token_hex(8)
WATCHED = (topics.REFERRAL_DISPATCHED, topics.COMPLAINT_CLOSED, topics.REFERRAL_CASEWORK)


@dataclass
class Tap:
    """Every record of the referral service's outgoing topics, read from the beginning."""

    layout: TopicLayout
    records: list[tuple[str, bytes | None, CloudEvent]] = field(default_factory=list)

    def events(self, topic: str, complaint_id: UUID) -> list[CloudEvent]:
        """The events of one complaint on one contract topic, in arrival order."""
        name = self.layout.name(topic)
        return [e for t, _, e in self.records if t == name and e.subject == str(complaint_id)]

    def keys(self, topic: str, complaint_id: UUID) -> set[bytes | None]:
        name = self.layout.name(topic)
        return {k for t, k, e in self.records if t == name and e.subject == str(complaint_id)}


@dataclass
class Stack:
    """A running referral service on its own database and topics."""

    runtime: ServiceRuntime
    app: FastAPI
    settings: ReferralSettings
    pool: asyncpg.Pool
    producer: AIOKafkaProducer
    tap: Tap
    bootstrap: str

    @property
    def layout(self) -> TopicLayout:
        return self.runtime.layout

    async def produce(self, topic: str, event: CloudEvent) -> RecordMetadata:
        """Send an event as another service would: the complaint id as the key."""
        return await self.producer.send_and_wait(
            self.layout.name(topic), event.to_bytes(), key=event.key
        )

    async def processed(self, sent: RecordMetadata, within: float = 30) -> None:
        """Wait until the service's group has committed past a record: it was handled."""
        admin = AIOKafkaAdminClient(bootstrap_servers=self.bootstrap)
        await admin.start()
        try:
            partition = TopicPartition(sent.topic, sent.partition)
            deadline = asyncio.get_running_loop().time() + within
            while True:
                offsets = await admin.list_consumer_group_offsets(self.runtime.group_id)
                committed = offsets.get(partition)
                if committed is not None and committed.offset > sent.offset:
                    return
                if asyncio.get_running_loop().time() > deadline:
                    raise AssertionError(f"{partition}@{sent.offset} not processed in time")
                await asyncio.sleep(0.2)
        finally:
            await admin.close()


async def until(probe: Callable[[], Any], within: float = 30) -> Any:
    """Poll a probe until it returns something truthy; return that."""
    deadline = asyncio.get_running_loop().time() + within
    while True:
        value = probe()
        if value:
            return value
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"not reached in {within}s; last value: {value!r}")
        await asyncio.sleep(0.1)


async def tap_topics(bootstrap: str, tap: Tap, names: list[str]) -> None:
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        partitions = []
        for name in names:
            count = 1 if name.endswith(topics.DLQ_SUFFIX) else PARTITIONS
            partitions += [TopicPartition(name, p) for p in range(count)]
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        while True:
            for records in (await consumer.getmany(timeout_ms=200)).values():
                tap.records += [(r.topic, r.key, decode(r.value)) for r in records]
    finally:
        await consumer.stop()


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def stack(test_env) -> AsyncIterator[Stack]:  # type: ignore[no-untyped-def]
    """Referral on a database and topic prefix of its own, so no other test's service shares
    its consumer group; seeded as `make up` seeds it."""
    bootstrap = test_env.kafka_bootstrap_servers
    credentials = {"district": {REGENCY: DISTRICT, "32.16": ELSEWHERE}, "admin": ADMIN}
    async with fixtures.scratch_stack(
        test_env.admin_url, bootstrap, "k", partitions=PARTITIONS
    ) as space:
        dsn = space.dsn("referral")
        settings = ReferralSettings(
            **space.settings("referral"), admin_token=ADMIN, escalation_interval_seconds=3600
        )
        runtime, app = build(settings)
        await runtime.migrate()
        await fixtures.seed(dsn, "referral", seed.load, credentials, REGENCY)

        tap = Tap(space.layout)
        watched = [space.layout.name(t) for t in WATCHED] + [space.layout.dlq(topics.CASE_RESOLVED)]
        reader = asyncio.create_task(tap_topics(bootstrap, tap, watched))
        producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
        await producer.start()
        pool = await asyncpg.create_pool(
            dsn, min_size=1, max_size=2, server_settings={"search_path": "referral"}
        )
        try:
            async with runtime.running():
                yield Stack(runtime, app, settings, pool, producer, tap, bootstrap)
        finally:
            await pool.close()
            await producer.stop()
            reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await reader


def event(data: EventData, complaint_id: UUID, source: str) -> CloudEvent:
    return new_event(data, source=source, subject=complaint_id)


def complaint(needs: list[str], village: str = "32.15.02.2001") -> CloudEvent:
    complaint_id = uuid4()
    now = datetime.now(UTC)
    data = ComplaintCreated(
        complaint_id=complaint_id,
        ticket=f"SLRT-{secrets.token_hex(3).upper()}",
        village_code=village,
        needs=needs,
        channel="walk_in",
        received_at=now,
        recorded_at=now,
    )
    return event(data, complaint_id, "/slrt/intake")


def by_agency(events: list[CloudEvent]) -> dict[str, dict[str, Any]]:
    return {e.data["agency_code"]: e.data for e in events}


async def stored_calendar(stack: Stack) -> Calendar:
    """The district calendar as the service has it stored now."""
    calendars = StoredCalendar(stack.settings.tz, cuti_bersama_are_days_off=False)
    async with stack.pool.acquire() as conn:
        return await calendars.current(PgCalendarStore(conn))


async def test_a_complaint_is_routed_rejected_on_and_closed_once_over_kafka(stack: Stack) -> None:
    created = complaint(["JKN-PBI", "ADMINDUK"])
    complaint_id = UUID(created.subject)
    await stack.produce(topics.COMPLAINT_CREATED, created)

    dispatched = await until(
        lambda: len(e := stack.tap.events(topics.REFERRAL_DISPATCHED, complaint_id)) == 2 and e
    )
    first = by_agency(dispatched)
    assert set(first) == {"DINSOS", "DISDUKCAPIL"}
    calendar = await stored_calendar(stack)
    for data, sla in ((first["DINSOS"], 5), (first["DISDUKCAPIL"], 7)):
        assert (data["ticket"], data["village_code"], data["attempt"]) == (
            created.data["ticket"],
            "32.15.02.2001",
            1,
        )
        dispatched_at = datetime.fromisoformat(data["dispatched_at"])
        assert datetime.fromisoformat(data["due_at"]) == calendar.due_at(dispatched_at, sla)
    assert all(e.source == "/slrt/referral" for e in dispatched)
    assert stack.tap.keys(topics.REFERRAL_DISPATCHED, complaint_id) == {str(complaint_id).encode()}

    dinsos = first["DINSOS"]
    rejected = ReferralUpdated(
        referral_id=dinsos["referral_id"],
        complaint_id=complaint_id,
        agency_code="DINSOS",
        status="rejected",
        note="Bukan kewenangan Dinas Sosial",
        at=datetime.now(UTC),
    )
    await stack.produce(
        topics.REFERRAL_UPDATED, event(rejected, complaint_id, "/slrt/agency-gateway")
    )
    dispatched = await until(
        lambda: len(e := stack.tap.events(topics.REFERRAL_DISPATCHED, complaint_id)) == 3 and e
    )
    bpjs = dispatched[-1].data
    assert (bpjs["agency_code"], bpjs["service_code"], bpjs["attempt"]) == (
        "BPJSKES",
        "JKN-PBI",
        2,
    )
    assert bpjs["referral_id"] != dinsos["referral_id"]

    outcomes = [
        (bpjs, "resolved"),
        (first["DISDUKCAPIL"], "partially_resolved"),
    ]
    for data, outcome in outcomes:
        resolved = CaseResolved(
            referral_id=data["referral_id"],
            complaint_id=complaint_id,
            agency_code=data["agency_code"],
            outcome=outcome,
            note="Selesai",
            resolved_at=datetime.now(UTC),
        )
        await stack.produce(
            topics.CASE_RESOLVED, event(resolved, complaint_id, "/slrt/agency-gateway")
        )
    [closed] = await until(lambda: stack.tap.events(topics.COMPLAINT_CLOSED, complaint_id))
    assert closed.data["ticket"] == created.data["ticket"]
    assert closed.data["village_code"] == "32.15.02.2001"
    outcomes_closed = {
        (o["service_code"], o["agency_code"], o["outcome"]) for o in closed.data["outcomes"]
    }
    assert outcomes_closed == {
        ("JKN-PBI", "BPJSKES", "resolved"),
        ("ADMINDUK", "DISDUKCAPIL", "partially_resolved"),
    }

    # The last outcome again under a new event id (an agency retrying): refused and logged,
    # still one closing, still three referrals.
    retried = await stack.produce(
        topics.CASE_RESOLVED, event(resolved, complaint_id, "/slrt/agency-gateway")
    )
    await stack.processed(retried)
    refused = await stack.pool.fetchrow(
        "SELECT from_status, to_status, accepted FROM transition_log"
        " WHERE referral_id = $1 ORDER BY id DESC LIMIT 1",
        resolved.referral_id,
    )
    assert tuple(refused) == ("resolved", "resolved", False)
    await asyncio.sleep(1)
    assert len(stack.tap.events(topics.COMPLAINT_CLOSED, complaint_id)) == 1
    assert len(stack.tap.events(topics.REFERRAL_DISPATCHED, complaint_id)) == 3


async def resolve(stack: Stack, complaint_id: UUID, data: dict[str, Any], outcome: str) -> None:
    """The agency of a dispatched referral reports its outcome."""
    resolved = CaseResolved(
        referral_id=data["referral_id"],
        complaint_id=complaint_id,
        agency_code=data["agency_code"],
        outcome=outcome,
        resolved_at=datetime.now(UTC),
    )
    await stack.produce(topics.CASE_RESOLVED, event(resolved, complaint_id, "/slrt/agency-gateway"))


async def test_a_reopening_sends_the_unresolved_need_back_once_and_the_case_closes_again(
    stack: Stack,
) -> None:
    created = complaint(["JKN-PBI", "ADMINDUK"])
    complaint_id = UUID(created.subject)
    await stack.produce(topics.COMPLAINT_CREATED, created)
    dispatched = await until(
        lambda: len(e := stack.tap.events(topics.REFERRAL_DISPATCHED, complaint_id)) == 2 and e
    )
    first = {e.data["service_code"]: e.data for e in dispatched}
    await resolve(stack, complaint_id, first["JKN-PBI"], "resolved")
    await resolve(stack, complaint_id, first["ADMINDUK"], "partially_resolved")
    [closed] = await until(lambda: stack.tap.events(topics.COMPLAINT_CLOSED, complaint_id))
    calendar = await stored_calendar(stack)
    closed_at = datetime.fromisoformat(closed.data["closed_at"])
    # Ten working days on the stored calendar after the day of closing, to its last second.
    assert datetime.fromisoformat(closed.data["reopen_until"]) == calendar.due_at(closed_at, 10)

    reopened = ComplaintReopened(
        complaint_id=complaint_id,
        ticket=created.data["ticket"],
        village_code=created.data["village_code"],
        scope="unresolved",
        reason_code="hanya_sebagian",
        by="resident",
        reopening=1,
        reopened_at=datetime.now(UTC),
    )
    once = event(reopened, complaint_id, "/slrt/intake")
    await stack.produce(topics.COMPLAINT_REOPENED, once)
    await stack.produce(topics.COMPLAINT_REOPENED, once)  # delivered again: the same event id
    # The same reopening announced again under another event id changes nothing either.
    last = await stack.produce(
        topics.COMPLAINT_REOPENED, event(reopened, complaint_id, "/slrt/intake")
    )
    await stack.processed(last)
    await asyncio.sleep(1)
    dispatched = stack.tap.events(topics.REFERRAL_DISPATCHED, complaint_id)
    assert len(dispatched) == 3
    again = dispatched[-1].data
    assert (again["service_code"], again["agency_code"], again["attempt"]) == (
        "ADMINDUK",
        "DISDUKCAPIL",
        2,
    )
    assert again["referral_id"] != first["ADMINDUK"]["referral_id"]
    dispatched_at = datetime.fromisoformat(again["dispatched_at"])
    assert datetime.fromisoformat(again["due_at"]) == calendar.due_at(dispatched_at, 7)
    case = await stack.pool.fetchrow(
        "SELECT status, closed_at, reopenings FROM cases WHERE complaint_id = $1", complaint_id
    )
    assert tuple(case) == ("open", None, 1)
    rows = "SELECT count(*) FROM referrals WHERE complaint_id = $1"
    assert await count(stack, rows, complaint_id) == 3

    await resolve(stack, complaint_id, again, "resolved")
    closings = await until(
        lambda: len(e := stack.tap.events(topics.COMPLAINT_CLOSED, complaint_id)) == 2 and e
    )
    second = closings[-1].data
    assert {(o["service_code"], o["referral_id"], o["outcome"]) for o in second["outcomes"]} == {
        ("JKN-PBI", first["JKN-PBI"]["referral_id"], "resolved"),
        ("ADMINDUK", again["referral_id"], "resolved"),
    }
    closed_again = datetime.fromisoformat(second["closed_at"])
    assert closed_again > closed_at
    assert datetime.fromisoformat(second["reopen_until"]) == calendar.due_at(closed_again, 10)
    case = await stack.pool.fetchrow(
        "SELECT status, reopenings FROM cases WHERE complaint_id = $1", complaint_id
    )
    assert tuple(case) == ("closed", 1)


async def count(stack: Stack, sql: str, *args: object) -> int:
    return int(await stack.pool.fetchval(sql, *args))


async def test_the_same_complaint_created_event_again_creates_no_referral(stack: Stack) -> None:
    created = complaint(["KESEHATAN", "LANSIA"])
    complaint_id = UUID(created.subject)
    await stack.produce(topics.COMPLAINT_CREATED, created)
    await until(lambda: len(stack.tap.events(topics.REFERRAL_DISPATCHED, complaint_id)) == 2)
    rows = "SELECT count(*) FROM referrals WHERE complaint_id = $1"
    assert await count(stack, rows, complaint_id) == 2

    again = await stack.produce(topics.COMPLAINT_CREATED, created)  # same CloudEvent id
    await stack.processed(again)
    assert await count(stack, rows, complaint_id) == 2
    cases = "SELECT count(*) FROM cases WHERE complaint_id = $1"
    assert await count(stack, cases, complaint_id) == 1
    await asyncio.sleep(1)
    assert len(stack.tap.events(topics.REFERRAL_DISPATCHED, complaint_id)) == 2


async def test_an_outcome_for_a_referral_never_dispatched_is_dead_lettered(stack: Stack) -> None:
    complaint_id = uuid4()
    ghost = CaseResolved(
        referral_id=uuid4(),
        complaint_id=complaint_id,
        agency_code="DINSOS",
        outcome="resolved",
        resolved_at=datetime.now(UTC),
    )
    sent = event(ghost, complaint_id, "/slrt/agency-gateway")
    await stack.produce(topics.CASE_RESOLVED, sent)
    dlq = stack.layout.dlq(topics.CASE_RESOLVED)
    [dead] = await until(
        lambda: [e for t, _, e in stack.tap.records if t == dlq and e.id == sent.id]
    )
    assert dead.data["referral_id"] == str(ghost.referral_id)
    assert await count(stack, "SELECT count(*) FROM inbox WHERE event_id = $1", sent.id) == 0


async def test_district_staff_and_the_admin_read_cases_and_referrals(stack: Stack) -> None:
    created = complaint(["ADMINDUK"])
    complaint_id = UUID(created.subject)
    await stack.produce(topics.COMPLAINT_CREATED, created)
    [dispatched] = await until(lambda: stack.tap.events(topics.REFERRAL_DISPATCHED, complaint_id))
    referral_id = dispatched.data["referral_id"]
    acknowledged = ReferralUpdated(
        referral_id=referral_id,
        complaint_id=complaint_id,
        agency_code="DISDUKCAPIL",
        status="acknowledged",
        at=datetime.now(UTC),
    )
    sent = await stack.produce(
        topics.REFERRAL_UPDATED, event(acknowledged, complaint_id, "/slrt/agency-gateway")
    )
    await stack.processed(sent)

    transport = httpx.ASGITransport(app=stack.app)
    async with httpx.AsyncClient(transport=transport, base_url="http://referral") as http:

        async def get(path: str, token: str | None) -> httpx.Response:
            headers = {"Authorization": f"Bearer {token}"} if token else {}
            return await http.get(path, headers=headers)

        for token in (DISTRICT, ADMIN):
            case = await get(f"/v1/cases/{complaint_id}", token)
            assert case.status_code == 200, case.text
            body = case.json()
            assert (body["status"], body["ticket"]) == ("open", created.data["ticket"])
            [referral] = body["referrals"]
            assert (referral["referral_id"], referral["status"], referral["current"]) == (
                referral_id,
                "acknowledged",
                True,
            )

        detail = (await get(f"/v1/referrals/{referral_id}", DISTRICT)).json()
        assert detail["agency_code"] == "DISDUKCAPIL"
        assert datetime.fromisoformat(detail["due_at"]) == datetime.fromisoformat(
            dispatched.data["due_at"]
        )
        history = [(t["from_status"], t["to_status"], t["accepted"]) for t in detail["transitions"]]
        assert history == [("dispatched", "acknowledged", True)]

        for path in (f"/v1/cases/{complaint_id}", f"/v1/referrals/{referral_id}"):
            for token in (None, "not-a-token"):
                refused = await get(path, token)
                assert refused.status_code == 401
                assert refused.json()["error"]["code"] == "unauthenticated"
            # Staff of another regency: the same answer as for a case that does not exist.
            hidden = await get(path, ELSEWHERE)
            assert hidden.status_code == 404
            assert hidden.json()["error"]["code"] == "not_found"
        for path in (f"/v1/cases/{uuid4()}", f"/v1/referrals/{uuid4()}"):
            missing = await get(path, DISTRICT)
            assert (missing.status_code, missing.json()["error"]["code"]) == (404, "not_found")


async def test_a_referral_counted_over_an_incomplete_year_says_so_on_kafka_and_to_staff(
    stack: Stack,
) -> None:
    transport = httpx.ASGITransport(app=stack.app)
    staff = {"Authorization": f"Bearer {DISTRICT}"}
    year = datetime.now(stack.settings.tz).year
    # ADMINDUK's 7 working days from now are counted within this year and the next.
    years = (year, year + 1)
    async with httpx.AsyncClient(transport=transport, base_url="http://referral") as http:
        before = (await http.get("/v1/calendar", headers=staff)).json()
        decrees = {y["year"]: y["decree"] for y in before["years"] if y["complete"]}

        async def dispatch() -> dict[str, Any]:
            created = complaint(["ADMINDUK"])
            await stack.produce(topics.COMPLAINT_CREATED, created)
            [sent] = await until(
                lambda: stack.tap.events(topics.REFERRAL_DISPATCHED, UUID(created.subject))
            )
            return sent.data

        try:
            for y in years:
                listed = await http.get("/v1/calendar/holidays", params={"year": y}, headers=staff)
                if not listed.json():
                    added = await http.post(
                        "/v1/calendar/holidays",
                        headers=staff,
                        json={
                            "date": f"{y}-01-01",
                            "kind": "holiday",
                            "name": f"Tahun Baru {y} Masehi",
                            "source": "Keppres 8/2024",
                        },
                    )
                    assert added.status_code == 201, added.text
                done = await http.put(
                    f"/v1/calendar/years/{y}", headers=staff, json={"decree": f"SKB uji {y}"}
                )
                assert done.status_code == 200, done.text
            complete = await dispatch()
            assert complete["calendar_complete"] is True

            # Both years reopened by another process (the CLI's use cases on a connection of
            # their own): the running service must not keep counting on its cached calendar.
            async with stack.pool.acquire() as conn, conn.transaction():
                for y in years:
                    command = calendar_use.ReopenYear(y, "cli:test", "cli")
                    await calendar_use.reopen_year(command, PgCalendarStore(conn))
            incomplete = await dispatch()
            assert incomplete["calendar_complete"] is False
            calendar = await stored_calendar(stack)
            dispatched_at = datetime.fromisoformat(incomplete["dispatched_at"])
            assert datetime.fromisoformat(incomplete["due_at"]) == calendar.due_at(dispatched_at, 7)

            shown = await http.get(f"/v1/referrals/{incomplete['referral_id']}", headers=staff)
            assert shown.json()["calendar_complete"] is False
            case = await http.get(f"/v1/cases/{incomplete['complaint_id']}", headers=staff)
            assert [r["calendar_complete"] for r in case.json()["referrals"]] == [False]
            other = await http.get(f"/v1/referrals/{complete['referral_id']}", headers=staff)
            assert other.json()["calendar_complete"] is True
            stored = await stack.pool.fetchval(
                "SELECT calendar_complete FROM referrals WHERE id = $1",
                UUID(incomplete["referral_id"]),
            )
            assert stored is False
        finally:
            for y in years:
                if y in decrees:
                    await http.put(
                        f"/v1/calendar/years/{y}", headers=staff, json={"decree": decrees[y]}
                    )
                else:
                    await http.delete(f"/v1/calendar/years/{y}", headers=staff)


async def test_the_secretariat_extends_a_lainnya_referral_s_due_date_with_a_reason(
    stack: Stack,
) -> None:
    created = complaint(["LAINNYA"])
    complaint_id = UUID(created.subject)
    await stack.produce(topics.COMPLAINT_CREATED, created)
    [dispatched] = await until(lambda: stack.tap.events(topics.REFERRAL_DISPATCHED, complaint_id))
    # A need without a rule waits at the SLRT secretariat.
    assert dispatched.data["agency_code"] == "SLRT"
    referral_id = dispatched.data["referral_id"]
    due = datetime.fromisoformat(dispatched.data["due_at"])
    later = due + timedelta(days=7)

    transport = httpx.ASGITransport(app=stack.app)
    async with httpx.AsyncClient(transport=transport, base_url="http://referral") as http:

        async def issue(kind: str, area: str) -> str:
            answer = await http.post(
                "/v1/admin/staff",
                json={"kind": kind, "area_code": area, "name": f"Uji {kind}"},
                headers={"Authorization": f"Bearer {ADMIN}"},
            )
            assert answer.status_code == 201, answer.text
            return str(answer.json()["token"])

        secretariat = await issue("secretariat", REGENCY)
        kecamatan = await issue("kecamatan", "32.15.02")

        async def extend(token: str, body: dict[str, Any], lang: str = "id") -> httpx.Response:
            headers = {"Authorization": f"Bearer {token}", "Accept-Language": lang}
            return await http.post(
                f"/v1/referrals/{referral_id}/extend", json=body, headers=headers
            )

        good = {"due_at": later.isoformat(), "reason_code": "menunggu_dokumen"}
        # Bad input: each a coded error, nothing changed.
        for token, body, status, code in (
            (secretariat, {**good, "reason_code": "karena"}, 422, "invalid_reason"),
            (secretariat, {**good, "due_at": "2020-01-01T00:00:00+07:00"}, 422, "due_in_past"),
            (secretariat, {**good, "due_at": due.isoformat()}, 422, "due_not_later"),
            (secretariat, {**good, "due_at": "2099-01-01T00:00:00"}, 422, "invalid_due"),
            (kecamatan, good, 403, "forbidden"),
            (DISTRICT, good, 403, "forbidden"),
            (ELSEWHERE, good, 403, "forbidden"),
        ):
            refused = await extend(token, body)
            assert (refused.status_code, refused.json()["error"]["code"]) == (status, code), (
                body,
                refused.text,
            )
            english = await extend(token, body, "en")
            assert english.json()["error"]["message"] != refused.json()["error"]["message"]
        unchanged = await stack.pool.fetchrow(
            "SELECT due_at, (SELECT count(*) FROM case_actions WHERE referral_id = $1) AS actions"
            " FROM referrals WHERE id = $1",
            UUID(referral_id),
        )
        assert unchanged is not None and (unchanged["due_at"], unchanged["actions"]) == (due, 0)

        answer = await extend(secretariat, good)
        assert answer.status_code == 200, answer.text
        assert datetime.fromisoformat(answer.json()["due_at"]) == later

        detail = (
            await http.get(
                f"/v1/referrals/{referral_id}", headers={"Authorization": f"Bearer {kecamatan}"}
            )
        ).json()
        [action] = detail["actions"]
        assert (action["action"], action["reason_code"]) == ("due_extended", "menunggu_dokumen")
        assert datetime.fromisoformat(action["due_before"]) == due
        assert action["by_name"].startswith("secretariat 32.15: Uji secretariat (account ")

    [worked] = await until(lambda: stack.tap.events(topics.REFERRAL_CASEWORK, complaint_id))
    assert worked.type == "id.slrt.referral.casework.v1"
    assert (worked.data["action"], worked.data["reason_code"]) == (
        "due_extended",
        "menunggu_dokumen",
    )
    assert datetime.fromisoformat(worked.data["due_at"]) == later
    assert datetime.fromisoformat(worked.data["previous_due_at"]) == due
    assert worked.data["by_account"] == action["account_id"]
