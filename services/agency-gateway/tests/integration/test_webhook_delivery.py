"""Webhook delivery on a real Postgres to real receivers on 127.0.0.1, with one or two workers.

Each worker is what a gateway replica runs (its own pool and HTTP client). The receivers verify
the Standard Webhooks signature and journal every call and answer, so the tests assert on the
order of what happened rather than on how long it took.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import asyncpg
import pytest
from prometheus_client import REGISTRY
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from gateway.adapters import webhook_store
from gateway.adapters.repository import GatewayUnitOfWork
from gateway.app import build
from gateway.domain.webhooks import new_secret
from gateway.entrypoints.webhook_worker import WebhookWorker, webhook_job
from slrt_shared.contracts.topics import TopicLayout

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]

A, B, C = "DINSOS", "DINKES", "DISDUKCAPIL"


class Journal:
    """What every receiver saw, in the order it happened: (kind, agency, delivery id, time)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.entries: list[tuple[str, str, str, float]] = []

    def add(self, kind: str, agency: str, delivery_id: str) -> None:
        with self.lock:
            self.entries.append((kind, agency, delivery_id, time.monotonic()))

    def of(self, kind: str, agency: str | None = None) -> list[tuple[str, str, str, float]]:
        with self.lock:
            return [e for e in self.entries if e[0] == kind and agency in (None, e[1])]

    def ids(self, kind: str, agency: str | None = None) -> list[str]:
        return [e[2] for e in self.of(kind, agency)]

    def position(self, kind: str, delivery_id: str) -> int:
        with self.lock:
            return next(
                i for i, e in enumerate(self.entries) if e[0] == kind and e[2] == delivery_id
            )


class Receiver:
    """An agency's webhook endpoint: answers 204, or stalls until released, or fails once."""

    def __init__(self, agency: str, journal: Journal, *, stall: bool, delay: float) -> None:
        self.agency = agency
        self.journal = journal
        self.secret = new_secret()
        self.stall = stall
        self.delay = delay
        self.release = threading.Event()
        self.fail_once: set[str] = set()
        self.bad_signatures = 0
        self.in_flight: set[str] = set()
        self.overlaps: list[str] = []
        self.most_in_flight = 0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["content-length"]))
                try:
                    Webhook(receiver.secret).verify(body, dict(self.headers))
                except WebhookVerificationError:
                    receiver.bad_signatures += 1
                    self.send_response(401)
                    self.end_headers()
                    return
                delivery_id = self.headers["webhook-id"]
                with journal.lock:
                    if delivery_id in receiver.in_flight:
                        receiver.overlaps.append(delivery_id)
                    receiver.in_flight.add(delivery_id)
                    receiver.most_in_flight = max(receiver.most_in_flight, len(receiver.in_flight))
                journal.add("call", agency, delivery_id)
                try:
                    if receiver.stall:
                        receiver.release.wait(120)
                    if receiver.delay:
                        time.sleep(receiver.delay)
                    if delivery_id in receiver.fail_once:
                        receiver.fail_once.discard(delivery_id)
                        journal.add("failed", agency, delivery_id)
                        self.send_response(503)
                        self.end_headers()
                        return
                    self.send_response(204)
                    self.end_headers()
                    journal.add("ok", agency, delivery_id)
                except OSError:
                    journal.add("gone", agency, delivery_id)  # the gateway stopped waiting
                finally:
                    with journal.lock:
                        receiver.in_flight.discard(delivery_id)

            def log_message(self, *args: object) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/slrt"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def journal() -> Journal:
    return Journal()


@pytest.fixture
def receiver(journal: Journal) -> Iterator[Callable[..., Receiver]]:
    made: list[Receiver] = []

    def make(agency: str, *, stall: bool = False, delay: float = 0.0) -> Receiver:
        made.append(Receiver(agency, journal, stall=stall, delay=delay))
        return made[-1]

    yield make
    for r in made:
        r.close()


async def subscribe(gateway_db, hook: Receiver) -> None:  # type: ignore[no-untyped-def]
    async with GatewayUnitOfWork(gateway_db.pool, TopicLayout("")) as uow:
        await uow.save_webhook(hook.agency, hook.url, hook.secret)
        await uow.commit()


async def enqueue(gateway_db, agency: str, referral_id: uuid.UUID | None = None) -> str:  # type: ignore[no-untyped-def]
    """Queue one delivery in a transaction of its own (so each is due after the one before)."""
    delivery_id = uuid.uuid4()
    body = json.dumps({"id": str(delivery_id), "type": "id.slrt.agency.referral.v1"})
    async with GatewayUnitOfWork(gateway_db.pool, TopicLayout("")) as uow:
        await uow.enqueue_delivery(
            delivery_id, agency, referral_id or uuid.uuid4(), "id.slrt.agency.referral.v1", body
        )
        await uow.commit()
    return str(delivery_id)


@contextlib.asynccontextmanager
async def workers(gateway_db, count: int = 1, **settings: Any) -> AsyncIterator[None]:  # type: ignore[no-untyped-def]
    """Run `count` webhook workers, each as a gateway replica runs it (own pool, own client)."""
    config = gateway_db.settings(webhook_poll_seconds=0.1, webhook_backoff_seconds=0.3, **settings)
    async with contextlib.AsyncExitStack() as stack:
        tasks = []
        for _ in range(count):
            runtime, _ = build(config)
            await stack.enter_async_context(runtime.database())
            tasks.append(asyncio.create_task(webhook_job(runtime, config)()))
        try:
            yield
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)


async def until(probe: Callable[[], Any], within: float, what: str) -> Any:
    """Wait for a probe to hold; fail saying what did not happen."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        got = probe()
        if asyncio.iscoroutine(got):
            got = await got
        if got:
            return got
        await asyncio.sleep(0.05)
    raise AssertionError(f"within {within:g} s: {what}")


async def statuses(gateway_db, ids: list[str]) -> dict[str, asyncpg.Record]:  # type: ignore[no-untyped-def]
    rows = await gateway_db.pool.fetch(
        "SELECT id::text AS id, status, attempts, last_status_code, last_error"
        " FROM webhook_deliveries WHERE id = ANY($1::uuid[])",
        ids,
    )
    return {r["id"]: r for r in rows}


# A timeout far longer than the tests wait: a stalled receiver is still unanswered throughout.
LONG_TIMEOUT = 30.0


async def test_an_agency_that_never_answers_holds_up_only_its_own_deliveries(
    gateway_db, receiver, journal
) -> None:  # type: ignore[no-untyped-def]
    stalled, prompt = receiver(A, stall=True), receiver(B)
    await subscribe(gateway_db, stalled)
    await subscribe(gateway_db, prompt)
    a_ids = [await enqueue(gateway_db, A) for _ in range(3)]
    b_ids = [await enqueue(gateway_db, B) for _ in range(3)]

    async with workers(
        gateway_db,
        webhook_timeout_seconds=LONG_TIMEOUT,
        webhook_lease_seconds=2 * LONG_TIMEOUT,
        webhook_max_in_flight_per_agency=2,
    ):
        await until(
            lambda: set(journal.ids("ok", B)) == set(b_ids),
            LONG_TIMEOUT / 2,
            "every delivery to B arrived while A's receiver had not answered",
        )
        assert journal.ids("ok", A) == [], "A's receiver answered nothing yet"
        await until(lambda: len(journal.ids("call", A)) == 2, 15, "A got its 2 slots")
        # Another round trip to B proves the worker went on claiming while A was full.
        later = await enqueue(gateway_db, B)
        await until(lambda: later in journal.ids("ok", B), 15, "B's later delivery arrived")
        assert len(journal.ids("call", A)) == 2, "A never has more than its 2 slots in flight"

        stalled.release.set()
        await until(
            lambda: sorted(journal.ids("ok", A)) == sorted(a_ids), 15, "A caught up once freed"
        )
        done = await until(
            lambda: _all_delivered(gateway_db, [*a_ids, *b_ids, later]), 15, "all recorded"
        )
    assert all(r["attempts"] == 1 for r in done.values())
    assert sorted(journal.ids("call")) == sorted([*a_ids, *b_ids, later]), "each sent once"
    assert stalled.bad_signatures == prompt.bad_signatures == 0


async def _all_delivered(gateway_db, ids: list[str]) -> dict[str, asyncpg.Record] | None:  # type: ignore[no-untyped-def]
    found = await statuses(gateway_db, ids)
    return found if all(r["status"] == "delivered" for r in found.values()) else None


async def test_no_transaction_is_open_and_no_row_locked_while_a_receiver_is_called(
    gateway_db, receiver, journal
) -> None:  # type: ignore[no-untyped-def]
    stalled = receiver(A, stall=True)
    await subscribe(gateway_db, stalled)
    ids = [await enqueue(gateway_db, A) for _ in range(2)]

    async with workers(
        gateway_db, webhook_timeout_seconds=LONG_TIMEOUT, webhook_lease_seconds=2 * LONG_TIMEOUT
    ):
        await until(lambda: journal.ids("call", A), 15, "the receiver is being called")
        admin = await asyncpg.connect(gateway_db.admin_url)
        try:
            idle_in_tx = await admin.fetch(
                "SELECT pid, usename, query FROM pg_stat_activity"
                " WHERE datname = $1 AND state LIKE 'idle in transaction%'",
                gateway_db.database,
            )
        finally:
            await admin.close()
        assert idle_in_tx == [], "a transaction stays open while the receiver is called"
        async with gateway_db.pool.acquire() as conn, conn.transaction():
            locked = await conn.fetch(
                "SELECT id::text FROM webhook_deliveries WHERE id = ANY($1::uuid[])"
                " FOR UPDATE NOWAIT",
                ids,
            )
        assert len(locked) == 2, "the deliveries in flight are not row-locked"
        stalled.release.set()
        await until(lambda: _all_delivered(gateway_db, ids), 15, "both delivered once freed")


async def test_a_receiver_that_times_out_is_tried_again_then_parked_while_others_are_served(
    gateway_db, receiver, journal
) -> None:  # type: ignore[no-untyped-def]
    timeout = 2.0
    never = receiver(A, stall=True)
    prompt = receiver(B)
    await subscribe(gateway_db, never)
    await subscribe(gateway_db, prompt)
    a_ids = [await enqueue(gateway_db, A) for _ in range(2)]
    b_ids = [await enqueue(gateway_db, B) for _ in range(2)]

    async with workers(
        gateway_db,
        webhook_timeout_seconds=timeout,
        webhook_lease_seconds=10,
        webhook_max_attempts=2,
    ):
        parked = await until(
            lambda: _all_in(gateway_db, a_ids, "parked"), 30, "A's deliveries were parked"
        )
        await until(lambda: _all_delivered(gateway_db, b_ids), 15, "B's were delivered")
        # The gauge is counted once each parking is recorded: wait for the last count to apply.
        await until(
            lambda: REGISTRY.get_sample_value("slrt_webhook_parked", {"agency": A}) == 2,
            15,
            "the gauge counted both parked deliveries",
        )
    first_call_to_a = journal.of("call", A)[0][3]
    assert max(e[3] for e in journal.of("ok", B)) < first_call_to_a + timeout, (
        "B was served before A's first timeout elapsed"
    )
    for row in parked.values():
        assert row["attempts"] == 2 and row["last_status_code"] is None
        assert row["last_error"] == "timeout"
    calls = journal.ids("call", A)
    assert sorted(calls) == sorted(a_ids * 2), "each of A's deliveries was tried twice, no more"
    assert REGISTRY.get_sample_value("slrt_webhook_parked", {"agency": A}) == 2


async def test_the_parked_gauge_keeps_the_count_that_began_last(  # type: ignore[no-untyped-def]
    gateway_db, monkeypatch
) -> None:
    """Two deliveries parked at once each count the parked ones; the count that began first
    may finish last, and must not put back the smaller figure it read."""
    ids = [await enqueue(gateway_db, C) for _ in range(2)]
    real, first_read, release, calls = (
        webhook_store.parked_counts,
        asyncio.Event(),
        asyncio.Event(),
        [],
    )

    async def first_one_slow(pool: asyncpg.Pool) -> dict[str, int]:
        calls.append(1)
        counts = await real(pool)
        if len(calls) == 1:
            first_read.set()
            await release.wait()
        return counts

    async def park(delivery_id: str) -> None:
        await gateway_db.pool.execute(
            "UPDATE webhook_deliveries SET status = 'parked' WHERE id = $1::uuid", delivery_id
        )

    monkeypatch.setattr(webhook_store, "parked_counts", first_one_slow)
    worker = WebhookWorker(gateway_db.pool, gateway_db.settings(), None)  # type: ignore[arg-type]
    await park(ids[0])
    early = asyncio.create_task(worker._refresh_parked())
    await first_read.wait()
    await park(ids[1])
    await worker._refresh_parked()
    release.set()
    await early
    assert (
        REGISTRY.get_sample_value("slrt_webhook_parked", {"agency": C})
        == (await real(gateway_db.pool))[C]
    )


async def _all_in(gateway_db, ids: list[str], status: str) -> dict[str, asyncpg.Record] | None:  # type: ignore[no-untyped-def]
    found = await statuses(gateway_db, ids)
    return found if all(r["status"] == status for r in found.values()) else None


async def test_a_later_change_of_a_referral_waits_for_the_earlier_one(
    gateway_db, receiver, journal
) -> None:  # type: ignore[no-untyped-def]
    hook = receiver(B)
    await subscribe(gateway_db, hook)
    referral, other = uuid.uuid4(), uuid.uuid4()
    first = await enqueue(gateway_db, B, referral)
    second = await enqueue(gateway_db, B, referral)
    unrelated = await enqueue(gateway_db, B, other)
    hook.fail_once.add(first)

    async with workers(gateway_db, webhook_timeout_seconds=5):
        done = await until(
            lambda: _all_delivered(gateway_db, [first, second, unrelated]), 30, "all delivered"
        )
    assert journal.position("ok", first) < journal.position("call", second), (
        "the later change of the referral was sent before the earlier one was delivered"
    )
    assert done[first]["attempts"] == 2 and done[second]["attempts"] == 1
    assert journal.ids("call").count(second) == 1 and journal.ids("call").count(unrelated) == 1


async def test_two_replicas_share_the_work_and_never_send_a_delivery_twice(
    gateway_db, receiver, journal
) -> None:  # type: ignore[no-untyped-def]
    stalled, prompt = receiver(A, stall=True), receiver(B, delay=0.02)
    third = receiver(C, delay=0.02)
    for hook in (stalled, prompt, third):
        await subscribe(gateway_db, hook)
    a_ids = [await enqueue(gateway_db, A) for _ in range(2)]
    b_ids = [await enqueue(gateway_db, B) for _ in range(5)]

    async with workers(
        gateway_db,
        count=2,
        webhook_timeout_seconds=LONG_TIMEOUT,
        webhook_lease_seconds=2 * LONG_TIMEOUT,
        webhook_max_in_flight_per_agency=3,
    ):
        # While A's two calls hang, whichever replica holds them, B is served.
        await until(
            lambda: set(journal.ids("ok", B)) == set(b_ids),
            LONG_TIMEOUT / 2,
            "B was served by the replicas while A's calls hung",
        )
        await until(lambda: len(journal.ids("call", A)) == 2, 15, "A's calls are in flight")
        later = await enqueue(gateway_db, B)
        await until(lambda: later in journal.ids("ok", B), 15, "the replicas kept polling")
        assert sorted(journal.ids("call", A)) == sorted(a_ids), "a leased delivery was taken twice"
        stalled.release.set()

        # Then a burst across three agencies, some changes of the same referral.
        shared = [uuid.uuid4() for _ in range(4)]
        burst = [
            await enqueue(gateway_db, B if n % 2 else C, shared[n % 4] if n % 3 == 0 else None)
            for n in range(30)
        ]
        everything = [*a_ids, *b_ids, later, *burst]
        done = await until(lambda: _all_delivered(gateway_db, everything), 60, "all delivered")
    calls = journal.ids("call")
    assert sorted(calls) == sorted(everything), "some delivery was sent twice or never"
    assert all(r["attempts"] == 1 for r in done.values())
    assert prompt.overlaps == third.overlaps == []
    assert prompt.most_in_flight <= 3 and third.most_in_flight <= 3, "the per-agency bound held"


async def test_a_lease_keeps_other_replicas_off_until_it_expires_and_a_late_outcome_is_dropped(
    gateway_db, receiver, journal
) -> None:  # type: ignore[no-untyped-def]
    from gateway.adapters import webhook_store
    from gateway.domain.webhooks import Verdict

    hook, other = receiver(A), receiver(B)
    await subscribe(gateway_db, hook)
    await subscribe(gateway_db, other)
    orphan = await enqueue(gateway_db, A)
    # A replica claims it and dies before posting.
    [dead] = await webhook_store.claim_due(
        gateway_db.pool, per_agency=4, limit=10, lease=timedelta(seconds=300)
    )
    assert str(dead.id) == orphan and dead.attempts == 1

    async with workers(gateway_db, webhook_timeout_seconds=5):
        probe = await enqueue(gateway_db, B)
        await until(lambda: probe in journal.ids("ok", B), 15, "the live replica is polling")
        assert orphan not in journal.ids("call"), "a leased delivery was taken by another replica"

        await gateway_db.pool.execute(
            "UPDATE webhook_deliveries SET leased_until = now() - interval '1 second'"
            " WHERE id = $1",
            dead.id,
        )
        done = await until(lambda: _all_delivered(gateway_db, [orphan]), 15, "taken over")
    assert done[orphan]["attempts"] == 2, "the lost try counts"

    late = await webhook_store.record_outcome(
        gateway_db.pool,
        dead,
        Verdict("pending", timedelta(seconds=60)),
        status_code=None,
        error="ConnectError",
    )
    assert late is False
    assert (await statuses(gateway_db, [orphan]))[orphan]["status"] == "delivered"
