"""The gateway in any order and side by side, on a real Kafka and Postgres.

With several replicas, partition N of complaint.pii, referral.dispatched and referral.escalated
may belong to different members: a complaint's events are then read in any order and handled
in transactions that run at the same time. Whatever the order, each agency's last copy is
complete, and the pull API's cursor never skips a referral that committed late.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

import asyncpg
import pytest
from aiokafka import AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from gateway.adapters.repository import GatewayUnitOfWork
from gateway.domain.referrals import Referral
from gateway.service_layer import inbound
from gateway.service_layer.inbound import Announced
from slrt_devstack import fixtures
from slrt_devstack.testing import eventually
from slrt_shared.contracts import topics
from slrt_shared.contracts.envelope import CloudEvent, new_event
from slrt_shared.contracts.events import EventData, ReferralDispatched, ReferralEscalated

from .test_gateway_flow import NOW, dispatched, listing, pii, read_topic

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]

Handler = Callable[[Announced[Any], GatewayUnitOfWork], Awaitable[None]]


def wrap(data: EventData) -> CloudEvent:
    return new_event(data, source="/slrt/test", subject=data.complaint_id)  # type: ignore[attr-defined]


async def send(gateway, *events: tuple[str, CloudEvent]) -> dict[TopicPartition, int]:  # type: ignore[no-untyped-def]
    """Publish events keyed by their complaint; the last offset written per partition."""
    producer = AIOKafkaProducer(bootstrap_servers=gateway.kafka_bootstrap_servers)
    await producer.start()
    last: dict[TopicPartition, int] = {}
    try:
        for topic, event in events:
            sent = await producer.send_and_wait(
                gateway.layout.name(topic), event.to_bytes(), key=event.key
            )
            last[TopicPartition(sent.topic, sent.partition)] = sent.offset
    finally:
        await producer.stop()
    return last


async def consumed(gateway, written: dict[TopicPartition, int]) -> None:  # type: ignore[no-untyped-def]
    """Wait until the gateway's group has committed past these records (their work committed)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=gateway.kafka_bootstrap_servers)
    await admin.start()
    try:

        async def past() -> bool:
            group = f"{gateway.layout.prefix}slrt-agency-gateway"
            committed = await admin.list_consumer_group_offsets(group)
            return all(
                tp in committed and committed[tp].offset > offset for tp, offset in written.items()
            )

        await eventually(past)
    finally:
        await admin.close()


async def relayed(gateway, complaint_id: uuid.UUID) -> None:  # type: ignore[no-untyped-def]
    """Wait until nothing about a complaint waits in the outbox: its copies are on Kafka."""
    conn = await asyncpg.connect(gateway.dsn)
    try:

        async def empty() -> bool:
            waiting = await conn.fetchval(
                "SELECT count(*) FROM outbox WHERE key = $1", str(complaint_id).encode()
            )
            return waiting == 0

        await eventually(empty)
    finally:
        await conn.close()


async def copies_of(gateway, agency: str, referral_id: uuid.UUID) -> list[dict[str, Any]]:  # type: ignore[no-untyped-def]
    """The copies of one referral on its agency's topic, in the order they were published."""
    records = await read_topic(gateway, gateway.layout.agency(agency))
    return [r["data"] for r in records if r["data"]["referral_id"] == str(referral_id)]


async def shown(gateway, agency: str, referral_id: uuid.UUID) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    response = await gateway.http.get(
        f"/v1/referrals/{referral_id}", headers=gateway.agency(agency)
    )
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


async def handle(uow: GatewayUnitOfWork, handler: Handler, data: Any) -> None:
    """Work an event as the consumer does: claim it in the inbox, then run its use case."""
    event = wrap(data)
    assert await uow.claim(event.id, data.topic)
    await handler(Announced.of(data, event), uow)


async def waiting_for_a_lock(gateway, pid: int) -> bool:  # type: ignore[no-untyped-def]
    conn = await asyncpg.connect(gateway.dsn)
    try:
        kind = await conn.fetchval(
            "SELECT wait_event_type FROM pg_stat_activity WHERE pid = $1", pid
        )
        return bool(kind == "Lock")
    finally:
        await conn.close()


async def side_by_side(gateway, first: tuple[Handler, Any], second: tuple[Handler, Any]) -> None:  # type: ignore[no-untyped-def]
    """Run two handlers in two transactions, the second doing its reads before the first commits.

    Without a lock both read what was committed before either began; with one, the second
    waits for the first's commit.
    """
    async with (
        fixtures.pool(gateway.dsn, "gateway") as pool,
        GatewayUnitOfWork(pool, gateway.layout) as one,
        GatewayUnitOfWork(pool, gateway.layout) as two,
    ):
        await handle(one, *first)
        pid = two.conn.get_server_pid()
        later = asyncio.create_task(handle(two, *second))

        async def finished_or_waiting() -> bool:
            return later.done() or await waiting_for_a_lock(gateway, pid)

        await eventually(finished_or_waiting)
        await one.commit()
        await later
        await two.commit()


@pytest.mark.parametrize("first", ["pii", "dispatched"])
async def test_pii_and_dispatch_handled_side_by_side_reach_the_agency_complete(
    gateway,  # type: ignore[no-untyped-def]
    first: str,
) -> None:
    complaint_id = uuid.uuid4()
    referral = dispatched(complaint_id, "KEKERASAN", "DP3A")
    work: dict[str, tuple[Handler, Any]] = {
        "pii": (inbound.on_pii, pii(complaint_id, "Rina")),
        "dispatched": (inbound.on_dispatched, referral),
    }
    second = "dispatched" if first == "pii" else "pii"
    await side_by_side(gateway, work[first], work[second])
    await relayed(gateway, complaint_id)

    sent = await copies_of(gateway, "DP3A", referral.referral_id)
    assert sent, "the agency got a copy"
    last = sent[-1]["resident"]
    assert last is not None, f"the agency's last copy has no resident: {sent}"
    assert (last["name"], last["nik"]) == ("Rina", "3215024107800001")
    assert last["description"] == "Korban kekerasan, perlu pendampingan."  # a special service
    assert (await shown(gateway, "DP3A", referral.referral_id))["resident"]["name"] == "Rina"


async def test_pii_before_or_after_its_dispatch_reaches_the_agency_complete(gateway) -> None:  # type: ignore[no-untyped-def]
    before, after = uuid.uuid4(), uuid.uuid4()
    early = dispatched(before, "RTLH", "DISPERKIM")
    late = dispatched(after, "RTLH", "DISPERKIM")
    written = await send(
        gateway,
        (topics.COMPLAINT_PII, wrap(pii(before, "Siti"))),
        (topics.REFERRAL_DISPATCHED, wrap(early)),
        (topics.REFERRAL_DISPATCHED, wrap(late)),
    )
    await consumed(gateway, written)
    await send(gateway, (topics.COMPLAINT_PII, wrap(pii(after, "Rina"))))
    for referral, name in ((early, "Siti"), (late, "Rina")):

        async def complete(referral: ReferralDispatched = referral) -> dict[str, Any] | None:
            sent = await copies_of(gateway, "DISPERKIM", referral.referral_id)
            return sent[-1] if sent and sent[-1]["resident"] else None

        last = await eventually(complete)
        # RTLH is a basic service: name, phone and address only
        assert last["resident"]["name"] == name and last["resident"]["nik"] is None
        view = await shown(gateway, "DISPERKIM", referral.referral_id)
        assert set(view["resident"]) == {"name", "phone", "address"}


async def test_an_escalation_read_before_its_dispatch_reaches_the_agency(gateway) -> None:  # type: ignore[no-untyped-def]
    complaint_id = uuid.uuid4()
    referral = dispatched(complaint_id, "KESEHATAN", "DINKES")
    rid = referral.referral_id
    kabupaten = wrap(
        ReferralEscalated(
            referral_id=rid, complaint_id=complaint_id, level="kabupaten", at=NOW + timedelta(9)
        )
    )
    kecamatan = wrap(
        ReferralEscalated(
            referral_id=rid, complaint_id=complaint_id, level="kecamatan", at=NOW + timedelta(8)
        )
    )
    dispatch = wrap(referral)
    # Both escalations are worked (the higher one first) before the dispatch is read at all.
    await consumed(
        gateway,
        await send(
            gateway,
            (topics.REFERRAL_ESCALATED, kabupaten),
            (topics.REFERRAL_ESCALATED, kecamatan),
        ),
    )
    await consumed(gateway, await send(gateway, (topics.REFERRAL_DISPATCHED, dispatch)))
    await relayed(gateway, complaint_id)

    sent = await copies_of(gateway, "DINKES", rid)
    assert [(c["change"], c["escalation_level"]) for c in sent] == [
        ("id.slrt.referral.dispatched.v1", None),
        ("id.slrt.referral.escalated.v1", "kabupaten"),
    ]
    view = await shown(gateway, "DINKES", rid)
    assert (view["escalation_level"], view["status"]) == ("kabupaten", "dispatched")

    # Every one of them delivered again: nothing is done twice.
    await consumed(
        gateway,
        await send(
            gateway,
            (topics.REFERRAL_ESCALATED, kabupaten),
            (topics.REFERRAL_ESCALATED, kecamatan),
            (topics.REFERRAL_DISPATCHED, dispatch),
        ),
    )
    await relayed(gateway, complaint_id)
    assert await copies_of(gateway, "DINKES", rid) == sent
    assert (await shown(gateway, "DINKES", rid))["escalation_level"] == "kabupaten"


def referral_row(agency: str) -> Referral:
    data = dispatched(uuid.uuid4(), "KERJA", agency)
    return Referral(
        id=data.referral_id,
        complaint_id=data.complaint_id,
        ticket=data.ticket,
        village_code=data.village_code,
        service_code=data.service_code,
        agency_code=agency,
        attempt=1,
        status="dispatched",
        dispatched_at=data.dispatched_at,
        due_at=data.due_at,
        updated_at=data.dispatched_at,
    )


async def page_ids(gateway, agency: str, cursor: str | None, **params: Any) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    page = await listing(gateway, agency, **params, **({"cursor": cursor} if cursor else {}))
    return {**page, "ids": [uuid.UUID(i["referral_id"]) for i in page["items"]]}


async def shows(gateway, agency: str, ids: list[uuid.UUID] | set[uuid.UUID]) -> bool:  # type: ignore[no-untyped-def]
    """The agency's whole list is these referrals (in this order, for a list)."""
    listed = (await page_ids(gateway, agency, None, limit=200))["ids"]
    return bool((set(listed) if isinstance(ids, set) else listed) == ids)


async def test_a_saved_cursor_never_skips_a_referral_that_committed_late(gateway) -> None:  # type: ignore[no-untyped-def]
    agency = "KEMENAG"
    one, two, three = (referral_row(agency) for _ in range(3))
    async with (
        fixtures.pool(gateway.dsn, "gateway") as pool,
        GatewayUnitOfWork(pool, gateway.layout) as a,
        GatewayUnitOfWork(pool, gateway.layout) as b,
        GatewayUnitOfWork(pool, gateway.layout) as c,
    ):
        # B and C start their work (claiming their events) before A; A inserts first.
        assert await b.claim(uuid.uuid4(), topics.REFERRAL_DISPATCHED)
        assert await c.claim(uuid.uuid4(), topics.REFERRAL_DISPATCHED)
        assert await a.add_referral(one)
        assert await b.add_referral(two)
        await b.commit()
        assert await c.add_referral(three)
        await c.commit()

        # The agency pages to the end while A is still open, keeping its cursors. (The
        # list waits for every older transaction of the cluster, other tests' too.)
        await eventually(lambda: shows(gateway, agency, [two.id, three.id]))
        first = await page_ids(gateway, agency, None, limit=1)
        assert first["ids"] == [two.id] and first["next_cursor"]
        last = await page_ids(gateway, agency, first["next_cursor"], limit=1)
        assert last["ids"] == [three.id] and last["next_cursor"] is None
        await a.commit()

    # Paging again from either saved cursor brings the referral that committed late.
    await eventually(lambda: shows(gateway, agency, {one.id, two.id, three.id}))
    again = await page_ids(gateway, agency, first["next_cursor"], limit=50)
    assert set(again["ids"]) == {three.id, one.id}
    resumed = await page_ids(gateway, agency, last["resume_cursor"], limit=50)
    assert resumed["ids"] == [one.id] and resumed["next_cursor"] is None
    after = await page_ids(gateway, agency, resumed["resume_cursor"], limit=50)
    assert after["ids"] == []


async def test_a_referral_is_held_back_while_an_older_transaction_may_still_commit(gateway) -> None:  # type: ignore[no-untyped-def]
    agency = "DISKOPUKM"
    one, two = referral_row(agency), referral_row(agency)
    async with (
        fixtures.pool(gateway.dsn, "gateway") as pool,
        GatewayUnitOfWork(pool, gateway.layout) as a,
        GatewayUnitOfWork(pool, gateway.layout) as b,
    ):
        assert await a.add_referral(one)
        assert await b.add_referral(two)
        await b.commit()
        # B's referral is committed, but A began first and may still commit one before it.
        held = await page_ids(gateway, agency, None, limit=50)
        assert held["ids"] == [] and held["next_cursor"] is None
        single = await gateway.http.get(f"/v1/referrals/{two.id}", headers=gateway.agency(agency))
        assert single.status_code == 200  # a referral is always readable by its id
        await a.commit()

    await eventually(lambda: shows(gateway, agency, [one.id, two.id]))
    resumed = await page_ids(gateway, agency, held["resume_cursor"], limit=50)
    assert resumed["ids"] == [one.id, two.id]


async def test_a_cursor_handed_out_before_the_change_still_pages_on(gateway) -> None:  # type: ignore[no-untyped-def]
    import base64

    agency = "BPJSTK"
    rows = [referral_row(agency) for _ in range(3)]
    async with fixtures.pool(gateway.dsn, "gateway") as pool:
        for row in rows:
            async with GatewayUnitOfWork(pool, gateway.layout) as uow:
                assert await uow.add_referral(row)
                await uow.commit()
        async with GatewayUnitOfWork(pool, gateway.layout) as uow:
            seq = (await uow.referral(rows[0].id)).seq  # type: ignore[union-attr]
    legacy = base64.urlsafe_b64encode(f"s:{seq}".encode()).decode().rstrip("=")

    await eventually(lambda: shows(gateway, agency, [r.id for r in rows]))
    rest = await page_ids(gateway, agency, legacy, limit=50)
    assert rest["ids"] == [rows[1].id, rows[2].id]
