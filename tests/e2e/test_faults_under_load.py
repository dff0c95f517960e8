"""Faults under a steady load, in the shape a district runs: nothing lost, nothing doubled, every
agency copy complete, every escalation delivered, counts true.

Several processes of every consuming service share each consumer group (SLRT_FAULT_REPLICAS,
`intake=2,referral=3,agency-gateway=5,monitoring=2` by default) on topics of
SLRT_FAULT_PARTITIONS (12) partitions. Run on their own with `make test PYTEST_ARGS="-m fault"`.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from slrt_devstack import kafka, postgres
from slrt_devstack.paths import StackPaths
from slrt_devstack.testing import dead_letter_contents, read_records
from slrt_shared.contracts import topics

from .faults import (
    CONSUMED_BY,
    Escalator,
    Observation,
    SteadyLoad,
    _observe,
    assert_truth,
    default_needs,
    drop_topic,
    read_only,
    read_topics,
    rewind_group,
    unconsumed_share,
    villages,
    wait_for_truth,
)
from .test_bad_records import bad_values

pytestmark = [pytest.mark.e2e, pytest.mark.integration, pytest.mark.fault]

ROOT = Path(__file__).resolve().parents[2]


def local_stack() -> bool:
    return not (os.environ.get("DATABASE_URL") or os.environ.get("KAFKA_BOOTSTRAP_SERVERS"))


def test_a_member_of_each_service_killed_and_another_joining_mid_load_changes_nothing(  # type: ignore[no-untyped-def]
    district,
) -> None:
    load = SteadyLoad(district, villages(200, 4), total=60, per_second=4).start()
    with Escalator(district, load):
        for service in ("intake", "referral", "agency-gateway", "monitoring"):
            time.sleep(2)
            district.crash(service)  # SIGKILL: no shutdown hook runs, no group leave
            district.join(service, wait=False)  # a new member: the group rebalances again
        district.wait_ready()  # the new members become the endpoints once ready
        load.wait()
        assert load.retries > 0, "the load really met the crashed intake member"
        assert_truth(district, load)


@pytest.mark.skipif(not local_stack(), reason="restarts the local stack's own processes")
def test_restarting_postgres_and_kafka_mid_load_changes_nothing(district) -> None:  # type: ignore[no-untyped-def]
    paths = StackPaths(ROOT)
    load = SteadyLoad(district, villages(160, 3), total=45, per_second=3).start()
    with Escalator(district, load):
        time.sleep(1.5)
        postgres.stop(paths)
        time.sleep(2)
        postgres.start(paths)
        time.sleep(1.5)
        kafka.stop(paths)
        time.sleep(1)
        kafka.start(paths)
        load.wait()
        assert load.retries > 0, "the load really met the outage"
        assert_truth(district, load)


def test_a_postgres_failover_mid_load_changes_nothing(district) -> None:  # type: ignore[no-untyped-def]
    load = SteadyLoad(district, villages(80, 3), total=45, per_second=3).start()
    consumers = ("referral", "agency-gateway", "monitoring")

    async def fail_over() -> None:
        async with read_only(district.env):
            # The consumers stalled meanwhile: they meet the read-only server with work to do.
            for service in consumers:
                district.thaw(service)
            await asyncio.sleep(5)

    with Escalator(district, load):
        time.sleep(3)
        for service in consumers:
            district.freeze(service)
        time.sleep(4)
        asyncio.run(fail_over())
        load.wait()
        assert load.retries > 0, "the load really met the failover"
        assert_truth(district, load)


def test_rewinding_every_consumer_group_mid_load_changes_nothing(district) -> None:  # type: ignore[no-untyped-def]
    load = SteadyLoad(district, villages(240, 4), total=40, per_second=4).start()
    with Escalator(district, load):
        time.sleep(2)
        consumers = ("referral", "agency-gateway", "monitoring")
        for service in consumers:
            while district.members[service]:
                district.crash(service)

        async def rewind_all() -> None:
            await asyncio.gather(*(rewind_group(district.env, s) for s in consumers))

        asyncio.run(rewind_all())
        for service in consumers:
            unconsumed, total = asyncio.run(unconsumed_share(district.env, service))
            assert unconsumed == total > 0, service  # all of it will be delivered again
        for service in consumers:
            district.start(service)
        assert_truth(district, load)


def test_bad_records_injected_mid_load_go_to_their_dlq_and_nothing_else_changes(  # type: ignore[no-untyped-def]
    district,
) -> None:
    marker = uuid.uuid4().hex
    district.injected.add(marker)
    load = SteadyLoad(district, villages(280, 4), total=40, per_second=4).start()
    consumed = sorted({t for consumed_by in CONSUMED_BY.values() for t in consumed_by})
    layout = district.env.layout

    async def inject() -> None:
        producer = AIOKafkaProducer(
            bootstrap_servers=district.env.kafka_bootstrap_servers, acks="all"
        )
        await producer.start()
        try:
            for topic in consumed:
                for n, value in enumerate(bad_values(marker)):
                    # keys spread over the partitions, so most members meet one
                    await producer.send_and_wait(layout.name(topic), value, key=f"bad{n}".encode())
        finally:
            await producer.stop()

    with Escalator(district, load):
        time.sleep(2)
        asyncio.run(inject())
        assert_truth(district, load)
    for topic in consumed:
        groups = sum(topic in consumed_by for consumed_by in CONSUMED_BY.values())
        bootstrap = district.env.kafka_bootstrap_servers
        records = asyncio.run(read_records(bootstrap, layout.dlq(topic)))
        contents = asyncio.run(dead_letter_contents(bootstrap, layout, topic, records))
        dead = [c for c in contents if marker.encode() in c]
        assert len(dead) == 3 * groups, topic  # each bad record once per consuming group


# An agency of the catalogue whose own topic is not there when referrals for it are made:
# registered at run time, its topic created only later by `gateway agencies register`.
LATE_AGENCY = "DISNAKERTRANS"
LATE_NEED = "KERJA"


def late_needs(n: int) -> tuple[str, ...]:
    """Every fourth complaint also needs the late agency's service."""
    return default_needs(n) + ((LATE_NEED,) if n % 4 == 0 else ())


def copies_waiting(obs: Observation, load: SteadyLoad) -> list[str]:
    """Referrals of complaints that do not involve the late agency and have no copy yet."""
    waiting = [
        referral_id
        for complaint_id, by_need in obs.dispatched.items()
        if LATE_NEED not in load.accepted[complaint_id].needs
        for ids in by_need.values()
        for referral_id in ids
        if not obs.copies.get(referral_id)
    ]
    missing_dispatch = [
        c for c, sent in load.accepted.items() if set(obs.dispatched.get(c, {})) != set(sent.needs)
    ]
    return waiting + missing_dispatch


def copies_published_twice(obs: Observation) -> list[str]:
    """Event ids that appear more than once on an agency topic (re-sent by the relay)."""
    twice = []
    for topic, ids in obs.copy_ids.items():
        repeated = sorted({i for i in ids if ids.count(i) > 1})
        if repeated:
            twice.append(
                f"{topic}: {len(repeated)} copies published more than once "
                f"({len(ids)} records, {len(set(ids))} events), e.g. {repeated[:2]}"
            )
    return twice


def gateway_command(district, *argv: str) -> subprocess.CompletedProcess[str]:  # type: ignore[no-untyped-def]
    """Run `python -m gateway ...` as the district's admin would, with the gateway's settings."""
    return subprocess.run(
        [sys.executable, "-m", "gateway", *argv],
        env=district.envs["agency-gateway"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_a_copy_that_cannot_be_published_holds_up_only_its_own_complaint(  # type: ignore[no-untyped-def]
    district,
) -> None:
    env = district.env
    topic = env.layout.agency(LATE_AGENCY)

    asyncio.run(drop_topic(env, topic))
    load = SteadyLoad(district, villages(120, 4), total=40, per_second=4, needs=late_needs)
    found_while_missing: list[str] = []
    with Escalator(district, load.start()):
        load.wait()
        try:
            # While the late agency has no topic, everything of the other complaints goes on.
            deadline = time.monotonic() + 90
            while True:
                waiting = copies_waiting(asyncio.run(_observe(district, load)), load)
                if not waiting:
                    break
                if time.monotonic() > deadline:
                    found_while_missing.append(
                        f"with {topic} missing, copies of complaints without {LATE_NEED} still "
                        f"unpublished after 90s: {len(waiting)} (e.g. {waiting[:3]})"
                    )
                    break
                time.sleep(2)
        finally:
            register = gateway_command(
                district,
                "agencies",
                "register",
                LATE_AGENCY,
                "--name-id",
                "Dinas Tenaga Kerja dan Transmigrasi",
                "--name-en",
                "Manpower and Transmigration Office",
            )
        assert register.returncode == 0, "\n".join(
            [*found_while_missing, register.stdout, register.stderr]
        )
        # The operator sends what was parked for the new topic now, not at its next backoff.
        retry = gateway_command(district, "outbox", "retry", "--all")
        assert retry.returncode == 0, "\n".join([*found_while_missing, retry.stdout, retry.stderr])
        wait_for_truth(
            district,
            load,
            require=lambda obs: found_while_missing + copies_published_twice(obs),
        )


def test_a_missing_dead_letter_topic_blocks_no_other_partition_and_loses_nothing(  # type: ignore[no-untyped-def]
    district,
) -> None:
    env = district.env
    created = env.layout.name(topics.COMPLAINT_CREATED)
    dlq = env.layout.dlq(topics.COMPLAINT_CREATED)
    marker = uuid.uuid4().hex
    district.injected.add(marker)
    asyncio.run(drop_topic(env, dlq))
    load = SteadyLoad(district, villages(40, 4), total=40, per_second=4)

    async def poison() -> int:
        producer = AIOKafkaProducer(bootstrap_servers=env.kafka_bootstrap_servers, acks="all")
        await producer.start()
        try:
            sent = await producer.send_and_wait(created, f"not json {marker}".encode(), key=b"x")
            return int(sent.partition)
        finally:
            await producer.stop()

    async def partitions_of_complaints() -> dict[str, int]:
        records = (await read_topics(env.kafka_bootstrap_servers, [created]))[created]
        return {r.key.decode(): r.partition for r in records if r.key}

    async def recreate_dlq() -> None:
        admin = AIOKafkaAdminClient(bootstrap_servers=env.kafka_bootstrap_servers)
        await admin.start()
        try:
            await admin.create_topics([NewTopic(dlq, 1, 1)])
        finally:
            await admin.close()

    found_while_missing: list[str] = []
    with Escalator(district, load.start()):
        time.sleep(2)
        held = asyncio.run(poison())
        load.wait()
        try:
            # Referral and monitoring cannot dead-letter the poison record: only the complaints
            # behind it on its partition may wait, every other one is routed.
            deadline = time.monotonic() + 90
            while True:
                where = asyncio.run(partitions_of_complaints())
                obs = asyncio.run(_observe(district, load))
                unrouted = [
                    c
                    for c, sent in load.accepted.items()
                    if where.get(c) != held and set(obs.dispatched.get(c, {})) != set(sent.needs)
                ]
                if not unrouted:
                    break
                if time.monotonic() > deadline:
                    found_while_missing.append(
                        f"with {dlq} missing, complaints on partitions other than the poison "
                        f"record's ({held}) still unrouted after 90s: {len(unrouted)} "
                        f"(e.g. {unrouted[:3]})"
                    )
                    break
                time.sleep(2)
        finally:
            asyncio.run(recreate_dlq())

        def poison_dead_lettered_once_per_group(obs: Observation) -> list[str]:
            records = asyncio.run(read_records(env.kafka_bootstrap_servers, dlq))
            groups = sorted(
                dict(r.headers).get("dlq-group", b"?").decode()
                for r in records
                if marker.encode() in (r.value or b"")
            )
            want = sorted(f"{env.topic_prefix}slrt-{s}" for s in ("monitoring", "referral"))
            return (
                [] if groups == want else [f"{dlq}: the poison record from {groups}, want {want}"]
            )

        wait_for_truth(
            district,
            load,
            require=lambda obs: found_while_missing + poison_dead_lettered_once_per_group(obs),
        )
