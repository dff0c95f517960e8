"""GET /v1/complaints on a running intake, its real Postgres and Kafka.

Complaints are registered through the offline sync (so they have client ids), the referrals'
marks come from events produced on the real topics and applied by intake's own consumers.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import httpx
import pytest
import pytest_asyncio
from aiokafka import AIOKafkaProducer

from intake.adapters.listing import ListingQueries
from intake.app import build
from intake.domain.access import Caller
from intake.domain.errors import message
from intake.domain.listing import ComplaintFilter, scope
from intake.settings import IntakeSettings
from slrt_devstack import fixtures
from slrt_devstack.testing import counting_statements, eventually, log_statements_of_new_pools
from slrt_shared.contracts import topics
from slrt_shared.contracts.envelope import CONTENT_TYPE, CloudEvent, new_event
from slrt_shared.contracts.events import EventData, ReferralEscalated, ReferralUpdated
from slrt_shared.contracts.topics import TopicLayout
from slrt_shared.tokens import hash_token, new_token

from .conftest import OTHER_VILLAGE, REGENCY, VILLAGE, dispatch_of

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]

PAGED_VILLAGE = "32.15.02.2003"  # the paging test's own village
FAR_VILLAGE = "32.15.03.2001"  # another kecamatan
NIK = "3215024107800001"
VILLAGES = (VILLAGE, OTHER_VILLAGE, PAGED_VILLAGE, FAR_VILLAGE)


@dataclass(frozen=True)
class Desk:
    """The running intake, its tokens, database and topics."""

    http: httpx.AsyncClient
    dsn: str
    layout: TopicLayout
    kafka: str
    tokens: dict[str, str]

    def operator(self, village: str = VILLAGE, language: str = "id") -> dict[str, str]:
        """Headers of a village's operator."""
        return {"Authorization": f"Bearer {self.tokens[village]}", "Accept-Language": language}

    def district(self) -> dict[str, str]:
        """Headers of the regency's district staff."""
        return {"Authorization": f"Bearer {self.tokens[REGENCY]}"}

    async def sync(self, village: str, count: int, tag: str) -> list[dict[str, Any]]:
        """Register `count` complaints of a village through the offline sync."""
        items = [
            {
                "client_id": f"{tag}:{n:04d}",
                "village_code": village,
                "needs": ["JKN-PBI"],
                "description": f"PBI tidak aktif ({tag} {n}).",
                "recorded_at": "2026-11-30T09:15:00+07:00",
                "resident": {"nik": NIK, "name": "Siti Aminah", "phone": "081234567890"},
            }
            for n in range(count)
        ]
        response = await self.http.post(
            "/v1/complaints/batch", json={"complaints": items}, headers=self.operator(village)
        )
        assert response.status_code == 200, response.text
        results: list[dict[str, Any]] = response.json()["results"]
        assert [r["result"] for r in results] == ["created"] * count, results
        return results

    async def page(self, headers: dict[str, str], **params: Any) -> dict[str, Any]:
        """One page of the list, which must be answered."""
        response = await self.http.get("/v1/complaints", params=params, headers=headers)
        assert response.status_code == 200, response.text
        return response.json()  # type: ignore[no-any-return]

    async def ids(self, headers: dict[str, str], **params: Any) -> list[str]:
        """The complaint ids of one page of at most 200."""
        page = await self.page(headers, limit=200, **params)
        return [item["complaint_id"] for item in page["items"]]

    async def produce(self, topic: str, data: EventData, complaint_id: str) -> None:
        """Publish another service's event about a complaint, keyed by its id."""
        event: CloudEvent = new_event(data, source="/slrt/referral", subject=complaint_id)
        producer = AIOKafkaProducer(bootstrap_servers=self.kafka)
        await producer.start()
        try:
            await producer.send_and_wait(
                self.layout.name(topic),
                event.to_bytes(),
                key=event.key,
                headers=[("content-type", CONTENT_TYPE.encode())],
            )
        finally:
            await producer.stop()

    async def fetch(self, query: str, *args: Any) -> list[asyncpg.Record]:
        """Rows of a query on intake's schema."""
        conn = await asyncpg.connect(self.dsn)
        try:
            return await conn.fetch(query, *args)  # type: ignore[no-any-return]
        finally:
            await conn.close()


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def desk(test_env, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Desk]:  # type: ignore[no-untyped-def]
    """Intake without a rate limit (the paging test registers and lists many), its statements
    logged for `counting_statements`, and a few complaints in three villages."""
    tokens = {v: new_token("op_") for v in VILLAGES} | {REGENCY: new_token("ds_")}
    credentials = {
        "operators": {v: tokens[v] for v in VILLAGES},
        "district": {REGENCY: tokens[REGENCY]},
    }
    folder = tmp_path_factory.mktemp("list")
    async with test_env.beside("l") as stack:
        dsn = stack.dsn("intake")
        await fixtures.seed_by_command("intake", dsn, credentials, REGENCY, folder)
        settings = IntakeSettings(**stack.settings("intake"), rate_limit_per_minute=0)
        undo = log_statements_of_new_pools()
        try:
            runtime, app = build(settings)
            async with fixtures.running_service(runtime, app, "intake") as http:
                found = Desk(http, dsn, stack.layout, stack.kafka_bootstrap_servers, tokens)
                await found.sync(VILLAGE, 3, "a")
                await found.sync(OTHER_VILLAGE, 2, "b")
                await found.sync(FAR_VILLAGE, 2, "c")
                yield found
        finally:
            undo()


async def test_an_operator_sees_their_own_village_and_never_another(desk: Desk) -> None:
    own = await desk.page(desk.operator(VILLAGE))
    assert {i["village_code"] for i in own["items"]} == {VILLAGE}
    assert len(own["items"]) >= 3
    neighbour = desk.operator(OTHER_VILLAGE)
    assert VILLAGE not in {i["village_code"] for i in (await desk.page(neighbour))["items"]}
    # Asking for another village by name is an empty page, not a refusal.
    assert (await desk.page(neighbour, village=VILLAGE))["items"] == []
    assert (await desk.page(neighbour, kecamatan="32.15.03"))["items"] == []
    assert (await desk.page(desk.operator(VILLAGE), kecamatan="32.15.02"))["items"]


async def test_district_staff_see_the_regency_narrowed_by_village_or_kecamatan(
    desk: Desk,
) -> None:
    staff = desk.district()
    villages = {i["village_code"] for i in (await desk.page(staff, limit=200))["items"]}
    assert {VILLAGE, OTHER_VILLAGE, FAR_VILLAGE} <= villages
    assert {i["village_code"] for i in (await desk.page(staff, village=VILLAGE))["items"]} == {
        VILLAGE
    }
    in_kecamatan = {
        i["village_code"]
        for i in (await desk.page(staff, kecamatan="32.15.02", limit=200))["items"]
    }
    assert {VILLAGE, OTHER_VILLAGE} <= in_kecamatan
    assert FAR_VILLAGE not in in_kecamatan
    assert (await desk.page(staff, kecamatan="33.24.01"))["items"] == []


async def test_pages_give_each_complaint_once_with_a_complaint_registered_between(
    desk: Desk,
) -> None:
    registered = await desk.sync(PAGED_VILLAGE, 120, "p")
    operator = desk.operator(PAGED_VILLAGE)
    seen: list[dict[str, Any]] = []
    cursor = None
    pages = 0
    while True:
        params: dict[str, Any] = {"limit": 50} | ({"cursor": cursor} if cursor else {})
        page = await desk.page(operator, **params)
        seen += page["items"]
        pages += 1
        if pages == 1:
            late = await desk.sync(PAGED_VILLAGE, 1, "late")
        cursor = page["next_cursor"]
        if cursor is None:
            break
    ids = [i["complaint_id"] for i in seen]
    assert pages == 3
    assert len(ids) == len(set(ids)) == 120
    assert set(ids) == {r["complaint_id"] for r in registered}
    assert late[0]["complaint_id"] not in ids
    order = [(i["received_at"], i["complaint_id"]) for i in seen]
    assert order == sorted(order, reverse=True)
    # The complaint registered meanwhile is the newest of a fresh first page.
    assert (await desk.page(operator, limit=1))["items"][0]["complaint_id"] == late[0][
        "complaint_id"
    ]


async def test_every_filter_narrows_the_list(desk: Desk) -> None:
    staff = desk.district()
    [first, second, third] = [
        r["complaint_id"] for r in await desk.sync(VILLAGE, 3, f"f{uuid.uuid4().hex[:6]}")
    ]
    rows = await desk.fetch(
        "SELECT c.id::text, c.ticket, k.key FROM complaints c JOIN idempotency_keys k"
        " ON k.response ->> 'complaint_id' = c.id::text WHERE c.id = ANY($1::uuid[])",
        [first, second, third],
    )
    ticket = {r["id"]: r["ticket"] for r in rows}
    client = {r["id"]: r["key"] for r in rows}

    assert await desk.ids(staff, ticket=ticket[second]) == [second]
    typed = ticket[second].lower().replace("-", " ")
    assert await desk.ids(staff, ticket=typed) == [second]
    assert await desk.ids(staff, client_id=client[third]) == [third]
    assert await desk.ids(desk.operator(OTHER_VILLAGE), client_id=client[third]) == []

    # Days are counted in Western Indonesia Time: 23:30 UTC on 9 Oct is 10 Oct there.
    await desk.fetch(
        "UPDATE complaints SET received_at = $2 WHERE id = $1::uuid",
        first,
        datetime(2026, 10, 9, 23, 30, tzinfo=UTC),
    )
    await desk.fetch(
        "UPDATE complaints SET received_at = $2, status = 'closed' WHERE id = $1::uuid",
        second,
        datetime(2026, 10, 12, 3, tzinfo=UTC),
    )
    assert await desk.ids(staff, **{"from": "2026-10-10", "to": "2026-10-12"}) == [second, first]
    assert await desk.ids(staff, **{"from": "2026-10-11", "to": "2026-10-12"}) == [second]
    assert await desk.ids(staff, **{"to": "2026-10-10"}) == [first]
    assert first not in await desk.ids(staff, **{"from": "2026-10-11"})
    closed = await desk.page(staff, status="closed", limit=200)
    assert [i["complaint_id"] for i in closed["items"]] == [second]
    received = {i["status"] for i in (await desk.page(staff, status="received"))["items"]}
    assert received == {"received"}


BAD = [
    ({"limit": "0"}, "limit", "invalid_limit"),
    ({"limit": "201"}, "limit", "invalid_limit"),
    ({"limit": "lima"}, "limit", "invalid_limit"),
    ({"cursor": "bukan-kursor"}, "cursor", "invalid_cursor"),
    ({"status": "open"}, "status", "unknown_status"),
    ({"from": "01-12-2026"}, "from", "invalid_date"),
    ({"to": "2026-02-30"}, "to", "invalid_date"),
    ({"from": "2026-12-02", "to": "2026-12-01"}, "to", "date_range_reversed"),
    ({"ticket": "SLRT-12"}, "ticket", "invalid_ticket"),
    ({"client_id": "x" * 101}, "client_id", "invalid_client_id"),
    ({"village": "32.15.02"}, "village", "invalid_village_code"),
    ({"kecamatan": "3215"}, "kecamatan", "invalid_kecamatan_code"),
    ({"sort": "asc"}, "sort", "unknown_parameter"),
    ([("limit", "5"), ("limit", "6")], "limit", "repeated_parameter"),
]


@pytest.mark.parametrize("language", ["id", "en"])
@pytest.mark.parametrize(("params", "field", "code"), BAD)
async def test_a_bad_parameter_is_answered_422_with_its_code(
    desk: Desk, language: str, params: Any, field: str, code: str
) -> None:
    response = await desk.http.get(
        "/v1/complaints", params=params, headers=desk.operator(language=language)
    )
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert (error["code"], error["message"]) == (
        "invalid_query",
        message("invalid_query", language),
    )
    assert error["details"] == [{"field": field, "code": code, "message": message(code, language)}]


async def test_without_a_token_the_list_is_401(desk: Desk) -> None:
    response = await desk.http.get("/v1/complaints", params={"limit": "0"})
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthenticated"


async def test_the_resident_is_masked_and_the_full_nik_never_listed(desk: Desk) -> None:
    response = await desk.http.get("/v1/complaints", headers=desk.operator())
    assert response.status_code == 200
    items = response.json()["items"]
    assert {json.dumps(i["resident"]) for i in items} == {
        json.dumps({"name": "S*** A***", "nik": "321502******0001"})
    }
    assert NIK not in response.text and "Siti" not in response.text
    assert all(i["client_id"] and i["recorded_at"] and i["needs"] for i in items)


async def test_an_erased_complaint_is_listed_without_its_resident(desk: Desk) -> None:
    [registered] = await desk.sync(OTHER_VILLAGE, 1, f"e{uuid.uuid4().hex[:6]}")
    await desk.fetch(
        "WITH gone AS (DELETE FROM residents WHERE complaint_id = $1::uuid)"
        " UPDATE complaints SET description = NULL, erased_at = now(), erasure_cause = 'request'"
        " WHERE id = $1::uuid",
        registered["complaint_id"],
    )
    [item] = (await desk.page(desk.operator(OTHER_VILLAGE), ticket=registered["ticket"]))["items"]
    assert (item["resident"], item["personal_data_erased"]) == (None, True)


async def test_each_list_is_logged_with_who_which_filters_and_how_many(desk: Desk) -> None:
    since = datetime.now(UTC)
    page = await desk.page(desk.operator(), status="received", limit=2)
    page_ids = [i["complaint_id"] for i in page["items"]]
    await desk.page(desk.operator(OTHER_VILLAGE), village=VILLAGE)
    rows = await desk.fetch(
        "SELECT reader, filters, items, complaint_ids::text[] AS ids FROM complaint_lists"
        " WHERE at >= $1 ORDER BY id",
        since,
    )
    assert [(r["reader"], json.loads(r["filters"]), r["items"], r["ids"]) for r in rows] == [
        (hash_token(desk.tokens[VILLAGE]), {"status": "received"}, 2, page_ids),
        (hash_token(desk.tokens[OTHER_VILLAGE]), {"village": VILLAGE}, 0, []),
    ]


async def test_the_audit_command_prints_a_months_lists_with_who_listed(desk: Desk) -> None:
    await desk.page(desk.district(), kecamatan="32.15.03", limit=1)
    month = datetime.now(UTC).strftime("%Y-%m")
    done = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "intake", "audit", "--month", month, "--lists"],
        env={**os.environ, "INTAKE_DATABASE_URL": desk.dsn, "INTAKE_LOG_JSON": "false"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    last = lines[-1]
    assert (last["reader_kind"], last["filters"], last["items"]) == (
        "district",
        {"kecamatan": "32.15.03"},
        1,
    )
    assert len(last["complaint_ids"]) == 1
    assert all("token" not in key and "hash" not in key for key in last)


async def test_a_page_costs_the_same_few_statements_whatever_its_size(desk: Desk) -> None:
    await desk.sync(FAR_VILLAGE, 40, f"s{uuid.uuid4().hex[:6]}")
    staff = desk.district()
    await desk.page(staff, limit=1)  # the caller cached, the statements prepared
    counts = []
    for limit in (1, 40):
        with counting_statements() as counted:
            page = await desk.page(staff, limit=limit, kecamatan="32.15.03")
        assert len(page["items"]) == limit
        counts.append([s for s in counted if not s.startswith("SELECT token_hash")])
    # the rate limit's count (off here: none), BEGIN, the page with its audit row, COMMIT
    assert [len(c) for c in counts] == [3, 3], counts


async def test_referrals_carry_the_marks_of_the_consumed_events(desk: Desk) -> None:
    [registered] = await desk.sync(VILLAGE, 1, f"r{uuid.uuid4().hex[:6]}")
    complaint_id, ticket = registered["complaint_id"], registered["ticket"]
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(days=10)
    late, open_ = uuid.uuid4(), uuid.uuid4()
    await desk.produce(
        topics.REFERRAL_DISPATCHED,
        dispatch_of(late, uuid.UUID(complaint_id), ticket, start, due_in=timedelta(days=5)),
        complaint_id,
    )
    await desk.produce(
        topics.REFERRAL_DISPATCHED,
        dispatch_of(
            open_,
            uuid.UUID(complaint_id),
            ticket,
            start,
            service="ADMINDUK",
            agency="DISDUKCAPIL",
            due_in=timedelta(days=20),
        ),
        complaint_id,
    )
    await desk.produce(
        topics.REFERRAL_UPDATED,
        ReferralUpdated(
            referral_id=open_,
            complaint_id=uuid.UUID(complaint_id),
            agency_code="DISDUKCAPIL",
            status="acknowledged",
            at=start + timedelta(days=1),
        ),
        complaint_id,
    )
    await desk.produce(
        topics.REFERRAL_ESCALATED,
        ReferralEscalated(
            referral_id=late,
            complaint_id=uuid.UUID(complaint_id),
            level="kecamatan",
            at=start + timedelta(days=6),
        ),
        complaint_id,
    )

    async def listed() -> dict[str, Any] | None:
        [item] = (await desk.page(desk.operator(), ticket=ticket))["items"]
        marks = {r["agency_code"]: r for r in item["referrals"]}
        done = len(marks) == 2 and marks["DISDUKCAPIL"]["status"] == "acknowledged"
        return item if done and marks["BPJSKES"]["escalated"] else None

    item = await eventually(listed)
    assert item["status"] == "in_progress"
    bpjs, disduk = sorted(item["referrals"], key=lambda r: r["agency_code"])
    assert (bpjs["status"], bpjs["overdue"], bpjs["escalation_level"]) == (
        "dispatched",
        True,
        "kecamatan",
    )
    assert datetime.fromisoformat(bpjs["due_at"]) == start + timedelta(days=5)
    assert (disduk["status"], disduk["overdue"], disduk["escalated"]) == (
        "acknowledged",
        False,
        False,
    )


class _Explained(ListingQueries):
    """The list's own statement, explained instead of run (in a transaction rolled back)."""

    def __init__(self, conn: asyncpg.Connection) -> None:
        self._explaining = conn
        self.plans: list[str] = []

    @property
    def conn(self) -> Any:
        return self

    async def fetch(self, query: str, *args: Any) -> list[Any]:
        rows = await self._explaining.fetch("EXPLAIN " + query, *args)
        self.plans.append("\n".join(r[0] for r in rows))
        return []


async def test_a_village_and_a_regency_are_paged_from_their_indexes(desk: Desk) -> None:
    operator = Caller("op", "operator", PAGED_VILLAGE, REGENCY)
    staff = Caller("ds", "district", None, REGENCY)
    reader = hash_token(desk.tokens[REGENCY])
    conn = await asyncpg.connect(desk.dsn)
    explained = _Explained(conn)
    try:
        async with conn.transaction():
            # The tables are small here: only the indexes can be used, if they exist.
            await conn.execute("SET LOCAL enable_seqscan = off")
            await conn.execute("SET LOCAL enable_sort = off")
            for caller, wanted in (
                (operator, ComplaintFilter()),
                (staff, ComplaintFilter()),
                (staff, ComplaintFilter(client_id="p:0001")),
            ):
                await explained.list_complaints(scope(caller, wanted), wanted, reader)
    finally:
        await conn.close()
    village, regency, client = explained.plans
    # A village pages from its own index or, when the statistics say the village holds most of
    # the table, from the regency's with the village as a filter: either way in index order.
    assert re.search(r"Index Scan Backward using complaints_(village_)?listed", village), village
    assert "Seq Scan on complaints" not in village, village
    assert "Index Scan Backward using complaints_listed" in regency, regency
    assert "idempotency_keys_client" in client, client
