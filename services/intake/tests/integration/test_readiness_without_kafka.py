"""Intake registers complaints while Kafka is away: it is ready as long as Postgres answers."""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import pytest

from intake.app import build
from intake.settings import IntakeSettings
from slrt_devstack import fixtures
from slrt_devstack.processes import free_port
from slrt_devstack.testing import eventually, read_records
from slrt_shared.contracts import topics
from slrt_shared.tokens import new_token

from .conftest import REGENCY, VILLAGE

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]

COMPLAINT = {
    "village_code": VILLAGE,
    "needs": ["JKN-PBI"],
    "description": "BPJS PBI tidak aktif sejak Maret.",
    "channel": "walk_in",
    "recorded_at": "2025-06-26T09:15:00+07:00",
    "resident": {
        "nik": "3215024107800001",
        "name": "Siti Aminah",
        "phone": "081234567890",
        "address": "Dusun Krajan RT 02/RW 01",
    },
}


@contextlib.asynccontextmanager
async def kafka_back_at(port: int, broker: str) -> AsyncIterator[None]:
    """Let the broker answer at `port` again: a TCP relay to the real broker.

    Only the bootstrap goes through it; the broker's metadata then sends every client to its
    own advertised address, as after a broker's return.
    """
    host, _, broker_port = broker.partition(":")

    async def pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        except ConnectionError:
            pass
        finally:
            writer.close()

    async def relay(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        upstream_reader, upstream_writer = await asyncio.open_connection(host, int(broker_port))
        await asyncio.gather(pipe(reader, upstream_writer), pipe(upstream_reader, writer))

    server = await asyncio.start_server(relay, "127.0.0.1", port)
    try:
        yield
    finally:
        server.close()


async def test_intake_is_ready_and_accepts_complaints_with_kafka_unreachable(
    test_env: Any, tmp_path_factory: pytest.TempPathFactory
) -> None:
    token = new_token("op_")
    credentials = {"operators": {VILLAGE: token}, "district": {}}
    folder = tmp_path_factory.mktemp("intake-no-kafka")
    async with test_env.beside("r") as stack:
        dsn = stack.dsn("intake")
        await fixtures.seed_by_command("intake", dsn, credentials, REGENCY, folder)
        layout = stack.layout
        port = free_port()  # nothing listens there: Kafka is unreachable
        settings = IntakeSettings(
            **{**stack.settings("intake"), "kafka_bootstrap_servers": f"127.0.0.1:{port}"}
        )
        runtime, app = build(settings)
        async with fixtures.running_service(runtime, app, "intake") as http:
            ready = await http.get("/readyz")
            assert ready.status_code == 200, ready.text
            assert ready.json()["checks"]["postgres"] == "ok"
            assert ready.json()["checks"]["kafka"].startswith("unavailable")
            assert ready.json()["required"] == ["postgres"]
            assert ready.json()["consumer"]["partitions_waiting"] == 0

            response = await http.post(
                "/v1/complaints",
                json=COMPLAINT,
                headers={
                    "Authorization": f"Bearer {token}",
                    "Idempotency-Key": str(uuid.uuid4()),
                },
            )
            assert response.status_code == 201, response.text
            complaint_id = response.json()["complaint_id"]
            tracked = await http.get(f"/v1/track/{response.json()['ticket']}")
            assert tracked.status_code == 200
            conn = await asyncpg.connect(dsn)
            try:
                kept = await conn.fetchval("SELECT count(*) FROM intake.outbox")
            finally:
                await conn.close()
            assert kept >= 2  # complaint.created and complaint.pii, waiting for Kafka

            async def backlog_shown() -> bool:
                shown = (await http.get("/readyz")).json().get("outbox", {})
                metrics = (await http.get("/metrics")).text
                return (
                    shown.get("pending", 0) >= 2
                    and shown.get("oldest_age_seconds", 0) > 0
                    and "slrt_outbox_pending 0.0" not in metrics
                )

            # the relay does not run while Kafka is away; the backlog is measured anyway
            await eventually(backlog_shown, within=30)

            async with kafka_back_at(port, test_env.kafka_bootstrap_servers):

                async def delivered() -> bool:
                    records = await read_records(
                        test_env.kafka_bootstrap_servers,
                        layout.name(topics.COMPLAINT_CREATED),
                    )
                    return any(json.loads(r.value)["subject"] == complaint_id for r in records)

                await eventually(delivered, within=90)

                async def kafka_ok() -> bool:
                    answer = (await http.get("/readyz")).json()
                    return bool(answer["checks"]["kafka"] == "ok")

                await eventually(kafka_ok, within=30)
