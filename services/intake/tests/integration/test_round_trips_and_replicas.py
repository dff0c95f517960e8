"""Two intake replicas on one real Postgres: what a POST costs, and caches that hear changes.

The statements are counted with asyncpg's query logger on every connection of a replica's pool,
keeping only those run in the test's own context (the request runs in it over the ASGI
transport; the relay and the jobs run in tasks of their own and are not counted).
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator, Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import asyncpg
import httpx
import pytest
import pytest_asyncio

from intake.adapters.cache import ReferenceCache
from intake.adapters.repository import IntakeUnitOfWork
from intake.app import build
from intake.domain import tickets
from intake.entrypoints import cli_operators as admin
from intake.settings import IntakeSettings
from slrt_devstack import fixtures
from slrt_shared.contracts.envelope import new_event
from slrt_shared.contracts.events import ComplaintCreated, ComplaintPii
from slrt_shared.contracts.topics import TopicLayout
from slrt_shared.runtime import ServiceRuntime
from slrt_shared.tokens import new_token

from .conftest import REGENCY, VILLAGE

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]

_COUNTED: ContextVar[list[str] | None] = ContextVar("counted", default=None)
# What asyncpg runs itself the first time a connection meets a type: once per connection.
_INTROSPECTION = (
    "WITH RECURSIVE typeinfo_tree",
    "SELECT current_setting('jit')",
    "SELECT set_config",
)


def _log(record: Any) -> None:
    statements = _COUNTED.get()
    query = " ".join(record.query.split())
    if statements is not None and not query.startswith(_INTROSPECTION):
        statements.append(query)


def log_statements(pool: asyncpg.Pool) -> None:
    """Log every statement of the pool's connections, those open and those it opens later.

    asyncpg has no public hook on a pool that is already open: its holders and `_init` are
    reached into, here only.
    """
    previous = pool._init

    async def init(conn: asyncpg.Connection) -> None:
        if previous is not None:
            await previous(conn)
        conn.add_query_logger(_log)

    pool._init = init
    for holder in pool._holders:
        if holder._con is not None:
            holder._con.add_query_logger(_log)


@contextlib.contextmanager
def counting() -> Iterator[list[str]]:
    """The statements run in this context meanwhile."""
    statements: list[str] = []
    token = _COUNTED.set(statements)
    try:
        yield statements
    finally:
        _COUNTED.reset(token)


@dataclass(frozen=True)
class Replicas:
    """Two intakes on one database, their caches keeping what they read for an hour."""

    a: httpx.AsyncClient
    b: httpx.AsyncClient
    runtime_a: ServiceRuntime
    caches: tuple[ReferenceCache, ReferenceCache]
    layout: TopicLayout
    dsn: str
    operator: dict[str, str]


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def replicas(test_env, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Replicas]:  # type: ignore[no-untyped-def]
    """Seed a database and run two replicas of intake on it."""
    credentials = {
        "operators": {VILLAGE: new_token("op_")},
        "district": {REGENCY: new_token("ds_")},
    }
    folder = tmp_path_factory.mktemp("replicas")
    async with test_env.beside("rr") as stack:
        dsn = stack.dsn("intake")
        await fixtures.seed_by_command("intake", dsn, credentials, REGENCY, folder)
        settings = IntakeSettings(**stack.settings("intake"), reference_cache_seconds=3600)
        runtime_a, app_a = build(settings)
        runtime_b, app_b = build(settings)
        async with (
            fixtures.running_service(runtime_a, app_a, "intake-a") as a,
            fixtures.running_service(runtime_b, app_b, "intake-b") as b,
        ):
            caches = (app_a.state.reference_cache, app_b.state.reference_cache)
            for _ in range(200):
                if all(c.listening for c in caches):
                    break
                await asyncio.sleep(0.05)
            assert all(c.listening for c in caches), "the replicas do not listen for changes"
            log_statements(runtime_a.pool)
            operator = {"Authorization": f"Bearer {credentials['operators'][VILLAGE]}"}
            yield Replicas(a, b, runtime_a, caches, stack.layout, dsn, operator)


def complaint(village: str = VILLAGE) -> dict[str, Any]:
    """A complaint of a resident no other test uses."""
    return {
        "village_code": village,
        "needs": ["JKN-PBI"],
        "description": f"PBI tidak aktif ({uuid.uuid4().hex}).",
        "channel": "walk_in",
        "recorded_at": "2025-06-26T09:15:00+07:00",
        "resident": {"nik": "3215024107800001", "name": "Siti Aminah", "phone": "081234567890"},
    }


async def post(
    http: httpx.AsyncClient, headers: dict[str, str], body: dict[str, Any], key: str | None = None
) -> httpx.Response:
    """POST /v1/complaints under a key (a new one unless given)."""
    headers = {**headers, "Idempotency-Key": key or uuid.uuid4().hex}
    response = await http.post("/v1/complaints", json=body, headers=headers)
    # The query logger reports on the next turns of the loop.
    for _ in range(3):
        await asyncio.sleep(0)
    return response


async def commit_of(uow: IntakeUnitOfWork, announced: int) -> None:
    """A transaction that does nothing but announce `announced` events like a complaint's."""
    subject = uuid.uuid4()
    events = [
        ComplaintCreated(
            complaint_id=subject,
            ticket="SLRT-0000-0000",
            village_code=VILLAGE,
            needs=["JKN-PBI"],
            channel="walk_in",
            received_at=datetime.now(UTC),
            recorded_at=datetime.now(UTC),
        ),
        ComplaintPii(complaint_id=subject, nik="3215024107800001", name="Siti Aminah"),
    ]
    async with uow:
        for data in events[:announced]:
            uow.announce(new_event(data, source="/slrt/intake", subject=subject))
        await uow.commit()
    for _ in range(3):
        await asyncio.sleep(0)


async def test_a_post_costs_the_rate_limit_count_one_statement_and_its_commit(
    replicas: Replicas,
) -> None:
    body = complaint()
    assert (await post(replicas.a, replicas.operator, complaint())).status_code == 201  # warm
    key = uuid.uuid4().hex
    with counting() as posted:
        assert (await post(replicas.a, replicas.operator, body, key)).status_code == 201
    with counting() as replayed:
        assert (await post(replicas.a, replicas.operator, body, key)).status_code == 200
    # What the shared unit of work costs around any transaction: BEGIN, the outbox and its
    # NOTIFY for the two events, COMMIT (so this test stays true as that cost changes).
    pool, layout = replicas.runtime_a.pool, replicas.layout
    with counting() as announcing:
        await commit_of(IntakeUnitOfWork(pool, layout), announced=2)
    with counting() as bare:
        await commit_of(IntakeUnitOfWork(pool, layout), announced=0)

    # The rate limit's count and one statement saving the key, the complaint, its resident
    # and its timeline entry; nothing read back, no operator, no catalogue.
    assert len(posted) == 2 + len(announcing), "\n".join(s[:90] for s in posted)
    assert sum("request_windows" in s for s in posted) == 1, posted
    assert sum("INSERT INTO idempotency_keys" in s for s in posted) == 1, posted
    assert not [s for s in posted if "FROM operators" in s or "FROM villages" in s], posted
    # A repeat: the count, the statement finding the key taken, the read of what it saved.
    assert len(replayed) == 3 + len(bare), "\n".join(s[:90] for s in replayed)


async def test_a_revoked_token_stops_working_on_every_replica_once_the_change_is_heard(
    replicas: Replicas,
) -> None:
    conn = await asyncpg.connect(replicas.dsn)
    try:
        token_id, token = await admin.issue(conn, village=VILLAGE, regency=None, label="cadangan")
        headers = {"Authorization": f"Bearer {token}"}
        for http in (replicas.a, replicas.b):
            assert (await post(http, headers, complaint())).status_code == 201
        with counting() as cached:
            assert (await post(replicas.a, headers, complaint())).status_code == 201
        assert not [s for s in cached if "FROM operators" in s], "the token was not kept"
        assert await admin.revoke(conn, token_id)
    finally:
        await conn.close()
    # Kept for an hour, yet refused as soon as each replica hears of the revocation.
    for http in (replicas.a, replicas.b):
        refused = await until_status(http, headers, complaint(), 401)
        assert refused.json()["error"]["code"] == "unauthenticated"


async def test_a_village_added_is_served_by_every_replica_once_the_change_is_heard(
    replicas: Replicas,
) -> None:
    village = f"32.15.02.{uuid.uuid4().int % 1_000 + 9_000}"
    for http in (replicas.a, replicas.b):  # both keep a catalogue without it
        assert (await post(http, replicas.operator, complaint())).status_code == 201
    conn = await asyncpg.connect(replicas.dsn)
    try:
        await conn.execute(
            "INSERT INTO villages (code, name, kecamatan_code, regency_code)"
            " VALUES ($1, 'Baru', '32.15.02', '32.15')",
            village,
        )
        _, token = await admin.issue(conn, village=village, regency=None, label="desa baru")
    finally:
        await conn.close()
    headers = {"Authorization": f"Bearer {token}"}
    for http in (replicas.a, replicas.b):
        await until_status(http, headers, complaint(village), 201)


async def until_status(
    http: httpx.AsyncClient, headers: dict[str, str], body: dict[str, Any], status: int
) -> httpx.Response:
    """POST until the answer has `status` (the notification is on its way), for a while."""
    for _ in range(100):
        response = await post(http, headers, body)
        if response.status_code == status:
            return response
        await asyncio.sleep(0.05)
    raise AssertionError(f"still {response.status_code}: {response.text}")


async def test_a_ticket_already_taken_is_left_to_the_unique_index_and_drawn_again(
    replicas: Replicas, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = await post(replicas.a, replicas.operator, complaint())
    taken = first.json()["ticket"]
    drawn = iter([taken, taken, "SLRT-ZZZZ-" + uuid.uuid4().hex[:4].upper().replace("U", "V")])
    monkeypatch.setattr(tickets, "new_ticket", lambda: next(drawn))
    key = uuid.uuid4().hex
    with counting() as statements:
        again = await post(replicas.a, replicas.operator, complaint(), key)
    assert again.status_code == 201, again.text
    assert again.json()["ticket"] != taken
    # the key saved by the first statement, the complaint by the third
    assert sum(s.startswith("WITH gate AS (INSERT INTO idempotency_keys") for s in statements) == 1
    assert sum(s.startswith("WITH gate AS (SELECT 1)") for s in statements) == 2
    conn = await asyncpg.connect(replicas.dsn)
    try:
        keys = await conn.fetchval("SELECT count(*) FROM idempotency_keys WHERE key = $1", key)
        tickets_of_it = await conn.fetchval(
            "SELECT count(*) FROM complaints WHERE id = $1", uuid.UUID(again.json()["complaint_id"])
        )
    finally:
        await conn.close()
    assert (keys, tickets_of_it) == (1, 1)


async def test_concurrent_repeats_of_a_key_on_two_replicas_create_one_complaint(
    replicas: Replicas,
) -> None:
    body, key = complaint(), uuid.uuid4().hex
    other = {**body, "needs": ["LANSIA"]}
    sent = [
        post(http, replicas.operator, payload, key)
        for http in (replicas.a, replicas.b)
        for payload in (body, body, body, other)
    ]
    answers = await asyncio.gather(*sent)
    statuses = sorted(a.status_code for a in answers)
    # Whichever body came first made the complaint; its repeats replay it, the other is refused.
    assert statuses in ([200] * 5 + [201] + [409] * 2, [200] + [201] + [409] * 6), statuses
    ids = {a.json()["complaint_id"] for a in answers if a.status_code in (200, 201)}
    assert len(ids) == 1
    conn = await asyncpg.connect(replicas.dsn)
    try:
        saved = await conn.fetchval(
            "SELECT count(*) FROM complaints WHERE description = $1", body["description"]
        )
    finally:
        await conn.close()
    assert saved == 1
