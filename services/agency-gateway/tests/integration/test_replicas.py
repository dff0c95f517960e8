"""Two gateway replicas in one consumer group, on a real Kafka and Postgres.

Each complaint's personal data goes to a partition of complaint.pii read by one member, and its
referral to a partition of referral.dispatched read by the other: a complaint's personal data
and its referral are handled by two processes at the same time. (Which member the round-robin
assignor gives partition N of each topic depends on the topics the gateway reads, so the test
picks the partitions from the group's assignment rather than from the complaint's key.)
"""

from __future__ import annotations

import contextlib
import uuid
from collections import defaultdict
from datetime import timedelta
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.protocol.group import MemberAssignment

from gateway.app import build
from gateway.entrypoints import cli_seed as seed
from gateway.settings import GatewaySettings
from slrt_devstack import fixtures
from slrt_devstack.fixtures import REGENCY
from slrt_devstack.testing import eventually, read_records
from slrt_shared import reference
from slrt_shared.contracts import topics
from slrt_shared.contracts.envelope import CloudEvent, new_event
from slrt_shared.contracts.events import EventData, ReferralEscalated
from slrt_shared.tokens import new_token

from .test_gateway_flow import NOW, dispatched, pii

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]

COMPLAINTS = 40


async def owners(bootstrap: str, group: str) -> dict[tuple[str, int], int] | None:
    """Which member owns each partition, once the group is stable with two members."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        [response] = await admin.describe_consumer_groups([group])
    finally:
        await admin.close()
    [described] = response.groups
    state, protocol, members = described[2], described[4], described[5]
    if state != "Stable" or len(members) != 2:
        return None
    assert protocol == "roundrobin"
    owned: dict[tuple[str, int], int] = {}
    for n, member in enumerate(members):
        assignment = MemberAssignment.decode(member[-1])
        for topic, partitions in assignment.assignment:
            owned.update({(topic, p): n for p in partitions})
    return owned


def wrap(data: EventData) -> CloudEvent:
    return new_event(data, source="/slrt/test", subject=data.complaint_id)  # type: ignore[attr-defined]


async def test_two_replicas_send_every_agency_copy_complete(test_env) -> None:  # type: ignore[no-untyped-def]
    keys = {code: new_token("ak_") for code in reference.agencies()}
    async with test_env.beside("r") as stack:
        layout, bootstrap = stack.layout, stack.kafka_bootstrap_servers
        settings = GatewaySettings(**stack.settings("gateway"))
        replicas = [build(settings), build(settings)]
        await replicas[0][0].migrate()
        await fixtures.seed(stack.dsn("gateway"), "gateway", seed.load, {"agencies": keys}, REGENCY)
        async with contextlib.AsyncExitStack() as running:
            for runtime, _ in replicas:
                await running.enter_async_context(runtime.running())
            owned = await eventually(lambda: owners(bootstrap, replicas[0][0].group_id), within=60)
            pii_topic, dispatch_topic = (
                layout.name(topics.COMPLAINT_PII),
                layout.name(topics.REFERRAL_DISPATCHED),
            )
            parts = sorted(n for topic, n in owned if topic == pii_topic)

            def read_elsewhere(pii_partition: int) -> int:
                """A partition of referral.dispatched the other member reads."""
                return next(
                    n
                    for n in sorted(n for topic, n in owned if topic == dispatch_topic)
                    if owned[(dispatch_topic, n)] != owned[(pii_topic, pii_partition)]
                )

            referrals, escalated = [], {}
            producer = AIOKafkaProducer(bootstrap_servers=bootstrap)
            await producer.start()
            try:
                for i in range(COMPLAINTS):
                    complaint_id = uuid.uuid4()
                    referral = dispatched(complaint_id, "KEKERASAN", "DP3A")
                    referrals.append(referral)
                    pii_partition = parts[i % len(parts)]
                    events: list[tuple[str, CloudEvent, int | None]] = [
                        (
                            topics.COMPLAINT_PII,
                            wrap(pii(complaint_id, f"Warga {i}")),
                            pii_partition,
                        ),
                        (topics.REFERRAL_DISPATCHED, wrap(referral), read_elsewhere(pii_partition)),
                    ]
                    if i % 2:
                        events.reverse()
                    if i % 3 == 0:
                        escalation = ReferralEscalated(
                            referral_id=referral.referral_id,
                            complaint_id=complaint_id,
                            level="kecamatan",
                            at=NOW + timedelta(days=8),
                        )
                        escalated[referral.referral_id] = "kecamatan"
                        events.insert(0, (topics.REFERRAL_ESCALATED, wrap(escalation), None))
                    for topic, event, partition in events:
                        await producer.send(
                            layout.name(topic), event.to_bytes(), key=event.key, partition=partition
                        )
                await producer.flush()
            finally:
                await producer.stop()

            async def last_copies() -> dict[str, dict[str, Any]] | None:
                last: dict[str, dict[str, Any]] = {}
                counts: dict[str, int] = defaultdict(int)
                for record in await read_records(bootstrap, layout.agency("DP3A")):
                    copy = CloudEvent.model_validate_json(record.value).data
                    last[copy["referral_id"]] = copy
                    counts[copy["referral_id"]] += 1
                done = all(
                    str(r.referral_id) in last
                    and last[str(r.referral_id)]["resident"] is not None
                    and last[str(r.referral_id)]["escalation_level"] == escalated.get(r.referral_id)
                    for r in referrals
                )
                return last if done else None

            last = await eventually(last_copies, within=90)
            for referral in referrals:
                copy = last[str(referral.referral_id)]
                assert copy["resident"]["description"], copy
            transport = httpx.ASGITransport(app=replicas[1][1])
            async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as http:
                for referral in referrals:
                    response = await http.get(
                        f"/v1/referrals/{referral.referral_id}",
                        headers={"Authorization": f"Bearer {keys['DP3A']}"},
                    )
                    view = response.json()
                    assert view["resident"]["name"].startswith("Warga"), view
                    assert view["escalation_level"] == escalated.get(referral.referral_id)
