"""Dead letters of personal data point at the record instead of copying it; replay processes it.

Against the real Kafka and Postgres: the consumer's dead letters, the services' `dlq` command
(through `run_cli`, as every service's `__main__` runs it), the inbox that keeps a replayed
record from being handled twice, and a source partition whose start moved past the record.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from uuid import uuid4

import asyncpg
import pytest
import pytest_asyncio
from aiokafka import AIOKafkaProducer, ConsumerRecord, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, RecordsToDelete
from faststream.kafka import KafkaBroker
from pydantic import BaseModel

from slrt_devstack.fixtures import ScratchSchema
from slrt_devstack.testing import eventually, read_records
from slrt_shared.consumer import subscribe, with_inbox
from slrt_shared.contracts import topics
from slrt_shared.contracts.envelope import CloudEvent, new_event
from slrt_shared.contracts.events import ComplaintPii, ReferralUpdated
from slrt_shared.contracts.topics import TopicLayout
from slrt_shared.runtime import ServiceRuntime, run_cli
from slrt_shared.settings import ServiceSettings
from slrt_shared.unit_of_work import PgUnitOfWork

from .conftest import SCHEMA, own_topics

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]

NIK = "3215024107800001"
NAME = "Siti Aminah"
PHONE = "+6281234567890"
SECRETS = (NIK.encode(), NAME.encode(), PHONE.encode())


class Resident(BaseModel):
    """A model a buggy handler validates the resident's data into."""

    nik: int
    name: int


def pii_event(**changes: Any) -> CloudEvent:
    complaint_id = uuid4()
    data = ComplaintPii(complaint_id=complaint_id, nik=NIK, name=NAME, phone=PHONE)
    event = new_event(data, source="/slrt/intake", subject=complaint_id)
    return event.model_copy(update={"data": {**event.data, **changes}}) if changes else event


@contextlib.asynccontextmanager
async def consuming(
    bootstrap: str, layout: TopicLayout, group: str, handlers: dict[str, Any]
) -> AsyncIterator[None]:
    """The handlers subscribed in one group, tried twice before a record is dead-lettered."""
    broker = KafkaBroker(bootstrap)
    subscription = subscribe(
        broker,
        layout=layout,
        handlers=handlers,
        group_id=group,
        max_attempts=2,
        retry_delay=0.01,
    )
    await broker.start()
    try:
        yield
    finally:
        await subscription.stop()
        await broker.stop()


async def produce(
    bootstrap: str, topic: str, records: list[tuple[bytes, bytes, list[tuple[str, bytes]]]]
) -> list[tuple[int, int]]:
    """Send (key, value, headers) records; return the partition and offset of each."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    try:
        sent = []
        for key, value, headers in records:
            meta = await producer.send_and_wait(topic, value=value, key=key, headers=headers)
            sent.append((meta.partition, meta.offset))
        return sent
    finally:
        await producer.stop()


@dataclass
class Service:
    """A service runtime consuming complaint.pii into a `handled` table, with a switchable bug."""

    settings: ServiceSettings
    migrations: Path
    broken: bool = True

    def build(self) -> tuple[ServiceRuntime, Any]:
        runtime = ServiceRuntime("dlqtest", SCHEMA, self.settings, self.migrations)

        def uow() -> PgUnitOfWork:
            return PgUnitOfWork(runtime.pool, runtime.layout)

        async def on_pii(uow: PgUnitOfWork, data: ComplaintPii, _: CloudEvent) -> None:
            if self.broken:
                raise RuntimeError(f"cannot file the complaint of {data.name}, NIK {data.nik}")
            await uow.conn.execute(
                "INSERT INTO handled (complaint_id) VALUES ($1)", data.complaint_id
            )

        runtime.subscribe(topics.COMPLAINT_PII, with_inbox(uow, ComplaintPii, on_pii))
        return runtime, None

    async def command(self, *argv: str) -> int:
        """Run `<service> dlq ...` as a service's __main__ does; return its exit code."""

        def run() -> int:
            try:
                run_cli(self.build, argv=["dlq", *argv])
            except SystemExit as exit:
                return int(exit.code or 0)
            return 0

        return await asyncio.to_thread(run)


@pytest_asyncio.fixture(loop_scope="session")
async def service(test_env, scratch: ScratchSchema, tmp_path: Path) -> AsyncIterator[Service]:  # type: ignore[no-untyped-def]
    migrations = tmp_path / "dlqtest"
    migrations.mkdir()
    (migrations / "001_handled.sql").write_text("CREATE TABLE handled (complaint_id uuid);")
    layout = await own_topics(test_env, "replay", partitions=1)
    settings = ServiceSettings(
        database_url=scratch.dsn,
        kafka_bootstrap_servers=test_env.kafka_bootstrap_servers,
        topic_prefix=layout.prefix,
    )
    yield Service(settings, migrations)


async def consume_until_dead_lettered(service: Service, wanted: int) -> list[ConsumerRecord]:
    """Run the service's consumer until `wanted` dead letters of complaint.pii are there."""
    runtime, _ = service.build()
    bootstrap = service.settings.kafka_bootstrap_servers
    async with (
        runtime.database(),
        consuming(bootstrap, runtime.layout, runtime.group_id, runtime.handlers),
    ):
        dlq = runtime.layout.dlq(topics.COMPLAINT_PII)

        async def dead() -> list[ConsumerRecord]:
            found = await read_records(bootstrap, dlq)
            return found if len(found) >= wanted else []

        return await eventually(dead)


async def test_a_personal_record_is_dead_lettered_by_its_coordinates_without_its_data(
    test_env, caplog: pytest.LogCaptureFixture
) -> None:
    layout = await own_topics(test_env, "pii", partitions=1)
    group = f"{layout.prefix}slrt-gateway"

    async def on_pii(event: CloudEvent) -> None:
        data = event.payload_as(ComplaintPii)
        if data.phone:
            # a bug: pydantic's own message quotes every input value
            Resident.model_validate({"nik": data.nik, "name": data.name})
        raise ValueError(f"no village for {data.name} ({data.nik})")

    resident = [("x-resident-nik", NIK.encode()), ("x-resident-name", NAME.encode())]
    records = [
        (NIK.encode(), pii_event(complaint_id=NIK).to_bytes(), resident),  # breaks its schema
        (NIK.encode(), pii_event().to_bytes(), resident),  # a handler's ValidationError
        (NIK.encode(), pii_event(phone=None).to_bytes(), resident),  # a handler's own message
        (NIK.encode(), f'{{"nik": "{NIK}", "name": "{NAME}"}}'.encode(), resident),  # no event
    ]
    bootstrap = test_env.kafka_bootstrap_servers
    caplog.set_level(logging.DEBUG, logger="slrt_shared")
    async with consuming(bootstrap, layout, group, {topics.COMPLAINT_PII: on_pii}):
        sent = await produce(bootstrap, layout.name(topics.COMPLAINT_PII), records)

        async def dead() -> list[ConsumerRecord]:
            found = await read_records(bootstrap, layout.dlq(topics.COMPLAINT_PII))
            return found if len(found) >= len(records) else []

        letters = await eventually(dead)

    assert len(letters) == len(records)
    for letter in letters:
        carried = [letter.value or b"", letter.key or b""]
        carried += [k.encode() + b"=" + v for k, v in letter.headers]
        for secret in SECRETS:
            assert not [c for c in carried if secret in c], (secret, carried)
        assert not [k for k, _ in letter.headers if k.startswith("x-resident")]
    # The value is the dead letter's own document (contracts.dead_letters.DeadLetter).
    parsed = [json.loads(letter.value) for letter in letters]
    assert sorted((d["partition"], d["offset"]) for d in parsed) == sorted(sent)
    assert {d["topic"] for d in parsed} == {layout.name(topics.COMPLAINT_PII)}
    assert {d["group"] for d in parsed} == {group}
    by_offset = {d["offset"]: d for d in parsed}
    assert by_offset[sent[0][1]]["error_type"] == "InvalidEventError"
    assert "complaint_id" in by_offset[sent[0][1]]["error"]
    assert by_offset[sent[1][1]]["error_type"] == "ValidationError"
    assert "name" in by_offset[sent[1][1]]["error"]  # where it failed, not what it was given
    assert by_offset[sent[2][1]]["error_type"] == "ValueError"
    assert "on_pii" in by_offset[sent[2][1]]["error"]
    assert by_offset[sent[3][1]]["error_type"] == "InvalidEventError"
    for letter in letters:
        headers = dict(letter.headers)
        d = by_offset[int(headers["dlq-offset"])]
        assert headers["dlq-partition"] == str(d["partition"]).encode()
        assert headers["dlq-error"].decode() == d["error"]
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "dead-lettered" in logged
    for secret in SECRETS:
        assert secret.decode() not in logged


async def test_a_dead_letter_without_personal_data_keeps_the_record_but_its_error_no_values(
    test_env, caplog: pytest.LogCaptureFixture
) -> None:
    layout = await own_topics(test_env, "copy", partitions=1)
    group = f"{layout.prefix}slrt-intake"
    note = "ibu Siti Aminah mengamuk di rumah"

    async def on_updated(event: CloudEvent) -> None:
        data = event.payload_as(ReferralUpdated)
        Resident.model_validate({"nik": data.note, "name": data.agency_code})

    complaint_id = uuid4()
    event = new_event(
        ReferralUpdated(
            referral_id=uuid4(),
            complaint_id=complaint_id,
            agency_code="DINSOS",
            status="rejected",
            note=note,
            at="2025-07-01T03:00:00Z",
        ),
        source="/slrt/agency-gateway",
        subject=complaint_id,
    )
    bootstrap = test_env.kafka_bootstrap_servers
    caplog.set_level(logging.DEBUG, logger="slrt_shared")
    async with consuming(bootstrap, layout, group, {topics.REFERRAL_UPDATED: on_updated}):
        await produce(
            bootstrap,
            layout.name(topics.REFERRAL_UPDATED),
            [(event.key, event.to_bytes(), [("traceparent", b"00-abc-def-01")])],
        )
        dlq = layout.dlq(topics.REFERRAL_UPDATED)
        [letter] = await eventually(lambda: read_records(bootstrap, dlq))

    # The operators' copy, whole.
    assert letter.value == event.to_bytes() and letter.key == event.key
    headers = dict(letter.headers)
    assert headers["traceparent"] == b"00-abc-def-01"
    assert headers["dlq-error-type"] == b"ValidationError"
    assert b"nik" in headers["dlq-error"]
    # ... but the error text, in the header and in the logs, quotes none of its values.
    assert note.encode() not in headers["dlq-error"]
    assert b"input_value" not in headers["dlq-error"]
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "dead-lettered" in logged and note not in logged


async def test_a_postgres_error_is_described_without_the_failing_row(
    scratch: ScratchSchema,
) -> None:
    from slrt_shared.consumer import describe_error

    async with scratch.pool.acquire() as conn:
        await conn.execute("CREATE TEMP TABLE resident (nik text CHECK (length(nik) = 3))")
        with pytest.raises(asyncpg.PostgresError) as raised:
            await conn.execute("INSERT INTO resident VALUES ($1)", NIK)
    assert NIK in str(raised.value)  # the server's DETAIL: Failing row contains (...)
    for personal in (False, True):
        text = describe_error(raised.value, personal=personal)
        assert NIK not in text and "23514" in text


async def test_replay_processes_a_dead_lettered_personal_record_once_its_cause_is_fixed(
    service: Service, scratch: ScratchSchema, capsys: pytest.CaptureFixture[str]
) -> None:
    event = pii_event()
    layout = TopicLayout(service.settings.topic_prefix)
    runtime, _ = service.build()
    async with runtime.database():
        pass  # the tables, before the consumer runs
    [(partition, offset)] = await produce(
        service.settings.kafka_bootstrap_servers,
        layout.name(topics.COMPLAINT_PII),
        [(event.key, event.to_bytes(), [])],
    )
    await consume_until_dead_lettered(service, 1)

    async def handled() -> int:
        return int(await scratch.pool.fetchval("SELECT count(*) FROM handled"))

    coordinates = ("--topic", topics.COMPLAINT_PII, "--partition", str(partition))
    coordinates += ("--offset", str(offset))
    capsys.readouterr()
    assert await service.command("list") == 0
    listed = capsys.readouterr().out
    assert f"{topics.COMPLAINT_PII}" in listed and f" {offset} " in listed
    assert "RuntimeError" in listed and NIK not in listed and NAME not in listed

    # Still broken: the replay says so, and what it says quotes nothing of the record.
    assert await service.command("replay", *coordinates) == 1
    failing = capsys.readouterr().out
    assert "still failing" in failing and "on_pii" in failing
    assert NIK not in failing and NAME not in failing
    assert await handled() == 0

    service.broken = False
    assert await service.command("replay", *coordinates) == 0
    assert f"[{partition}]@{offset}: handled" in capsys.readouterr().out
    assert await handled() == 1
    # Replaying again, one record or all of them, does nothing twice.
    assert await service.command("replay", *coordinates) == 0
    assert "already handled" in capsys.readouterr().out
    assert await service.command("replay", "--topic", topics.COMPLAINT_PII, "--all") == 0
    assert "already handled" in capsys.readouterr().out
    assert await handled() == 1


async def test_replay_of_a_record_its_topic_no_longer_holds_says_so(
    service: Service, scratch: ScratchSchema, capsys: pytest.CaptureFixture[str]
) -> None:
    event = pii_event()
    layout = TopicLayout(service.settings.topic_prefix)
    [(partition, offset)] = await produce(
        service.settings.kafka_bootstrap_servers,
        layout.name(topics.COMPLAINT_PII),
        [(event.key, event.to_bytes(), [])],
    )
    await consume_until_dead_lettered(service, 1)
    # What retention does to an old segment: the partition now starts after the record.
    admin = AIOKafkaAdminClient(bootstrap_servers=service.settings.kafka_bootstrap_servers)
    await admin.start()
    try:
        tp = TopicPartition(layout.name(topics.COMPLAINT_PII), partition)
        await admin.delete_records({tp: RecordsToDelete(offset + 1)})
    finally:
        await admin.close()

    service.broken = False
    capsys.readouterr()
    code = await service.command(
        "replay",
        "--topic",
        topics.COMPLAINT_PII,
        "--partition",
        str(partition),
        "--offset",
        str(offset),
    )
    out = capsys.readouterr().out
    assert code == 1
    assert f"[{partition}]@{offset}: not on the topic: its retention removed it" in out
    assert int(await scratch.pool.fetchval("SELECT count(*) FROM handled")) == 0
