"""A scratch database of a test's own, its one schema holding the messaging tables and `notes`."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest_asyncio
from aiokafka import AIOKafkaConsumer
from aiokafka.admin import AIOKafkaAdminClient

from slrt_devstack import provision
from slrt_devstack.fixtures import ScratchSchema, scratch_schema
from slrt_shared.contracts.envelope import CloudEvent, new_event
from slrt_shared.contracts.events import ReferralEscalated
from slrt_shared.contracts.topics import TopicLayout

SCHEMA = "referral"  # any service schema: these tests use a database of their own


@pytest_asyncio.fixture(loop_scope="session")
async def scratch(test_env, tmp_path: Path) -> AsyncIterator[ScratchSchema]:  # type: ignore[no-untyped-def]
    """A fresh database whose `referral` schema holds the messaging tables and a `notes` table."""
    (tmp_path / "001_notes.sql").write_text("CREATE TABLE notes (id int PRIMARY KEY, body text);")
    async with scratch_schema(test_env.admin_url, "s", SCHEMA, tmp_path, name="test") as made:
        yield made


async def own_topics(test_env: Any, name: str, partitions: int = 3) -> TopicLayout:
    """Every contract topic under a prefix of the test's own: no other test's records there."""
    layout = TopicLayout(f"{test_env.topic_prefix}{name}{uuid4().hex[:6]}.")
    await provision.create_topics(test_env.kafka_bootstrap_servers, layout, [], partitions)
    return layout


async def committed_to_end(bootstrap: str, group: str) -> bool:
    """Whether the group's committed offsets are the end of every partition it read."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    reader = AIOKafkaConsumer(bootstrap_servers=bootstrap)
    await admin.start()
    await reader.start()
    try:
        committed = await admin.list_consumer_group_offsets(group)
        ends = await reader.end_offsets(list(committed))
    finally:
        await admin.close()
        await reader.stop()
    return bool(committed) and {tp: m.offset for tp, m in committed.items()} == ends


def escalation() -> CloudEvent:
    """A new event about a new complaint (any will do: the tests only move it around)."""
    complaint_id = uuid4()
    data = ReferralEscalated(
        referral_id=uuid4(), complaint_id=complaint_id, level="kecamatan", at=datetime.now(UTC)
    )
    return new_event(data, source="/slrt/referral", subject=complaint_id)
