"""Bad records on every consumed topic: each lands in its dead-letter topic; nothing stops."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaProducer

from slrt_devstack.testing import (
    SERVICE_PACKAGES,
    consumed_by_code,
    dead_letter_contents,
    read_records,
)
from slrt_shared.contracts import topics
from slrt_shared.contracts.envelope import new_event
from slrt_shared.contracts.events import ReferralUpdated

pytestmark = [pytest.mark.e2e, pytest.mark.integration]

# Every topic some service consumes, as the code subscribes them.
CONSUMED = tuple(sorted({t for s in SERVICE_PACKAGES for t in consumed_by_code(s)}))


def bad_values(marker: str) -> list[bytes]:
    """Not JSON, JSON but not a CloudEvent, and a CloudEvent whose data breaks its schema."""
    wrong = new_event(
        ReferralUpdated(
            referral_id=uuid.uuid4(),
            complaint_id=uuid.uuid4(),
            agency_code="DINSOS",
            status="acknowledged",
            note=marker,
            at=datetime.now(UTC),
        ),
        source="/slrt/test",
        subject=uuid.uuid4(),
    )
    broken = wrong.model_copy(update={"data": {**wrong.data, "status": f"lost-{marker}"}})
    return [f"not json {marker}".encode(), f'{{"hello": "{marker}"}}'.encode(), broken.to_bytes()]


def dlq_command(platform: Any, *argv: str) -> subprocess.CompletedProcess[str]:
    """Run `python -m gateway dlq ...` with the running gateway's settings."""
    return subprocess.run(
        [sys.executable, "-m", "gateway", "dlq", *argv],
        env=platform.envs["agency-gateway"],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def test_every_bad_record_reaches_the_dlq_and_the_platform_carries_on(  # type: ignore[no-untyped-def]
    platform, test_env, eventually
) -> None:
    marker = uuid.uuid4().hex

    async def inject() -> None:
        producer = AIOKafkaProducer(bootstrap_servers=test_env.kafka_bootstrap_servers, acks="all")
        await producer.start()
        try:
            for topic in CONSUMED:
                for value in bad_values(marker):
                    await producer.send_and_wait(test_env.layout.name(topic), value, key=b"bad")
        finally:
            await producer.stop()

    async def dead_letters(topic: str) -> list[tuple[bytes, dict[str, bytes]]]:
        """The dead letters of the bad records: each one's own value and headers."""
        letters = await read_records(test_env.kafka_bootstrap_servers, test_env.layout.dlq(topic))
        contents = await dead_letter_contents(
            test_env.kafka_bootstrap_servers, test_env.layout, topic, letters
        )
        return [
            (letter.value or b"", dict(letter.headers))
            for letter, original in zip(letters, contents, strict=True)
            if marker.encode() in original
        ]

    asyncio.run(inject())
    for topic in CONSUMED:
        # Each consuming service dead-letters each bad record once under its own group.
        groups = sum(topic in consumed_by_code(s) for s in SERVICE_PACKAGES)
        found = eventually(
            lambda t=topic, g=groups: (d := asyncio.run(dead_letters(t))) and len(d) >= 3 * g and d,
            timeout=60,
        )
        assert len(found) == 3 * groups, topic
        assert all(h["dlq-topic"] == test_env.layout.name(topic).encode() for _, h in found)
        assert {h["dlq-error-type"] for _, h in found} == {b"InvalidEventError"}
        if topics.carries_personal_data(topic):
            # Only the coordinates: nothing of the record in the dead letter.
            assert not [v for v, h in found if marker.encode() in v + b"".join(h.values())]
        else:
            assert all(marker.encode() in v for v, _ in found)  # the operators' copy

    # The gateway's own command lists its dead letters of complaint.pii by their coordinates,
    # and a replay reads each original and finds it still failing (it can never succeed).
    listed = dlq_command(platform, "list", "--topic", topics.COMPLAINT_PII)
    assert listed.returncode == 0, listed.stderr
    assert marker not in listed.stdout
    letters = [line for line in listed.stdout.splitlines() if "InvalidEventError" in line]
    assert len(letters) >= 3
    replayed = dlq_command(platform, "replay", "--topic", topics.COMPLAINT_PII, "--all")
    assert replayed.returncode == 1, replayed.stderr
    outcomes = [
        line for line in replayed.stdout.splitlines() if line.startswith(f"{topics.COMPLAINT_PII}[")
    ]
    assert len(outcomes) == len(letters)
    assert all(": still failing: " in line and "InvalidEventError" in line for line in outcomes)
    assert marker not in replayed.stdout

    # The platform still works: a new complaint goes all the way to its agency.
    accepted = platform.register(
        {
            "village_code": "32.15.14.2001",
            "needs": ["ADMINDUK"],
            "description": "KK hilang.",
            "channel": "walk_in",
            "recorded_at": "2025-06-26T09:15:00+07:00",
            "resident": {"nik": "3215140107800002", "name": "Asep"},
        }
    )
    eventually(
        lambda: [
            r
            for r in httpx.get(
                f"{platform.urls['agency-gateway']}/v1/referrals",
                params={"limit": 200},
                headers=platform.agency("DISDUKCAPIL"),
            ).json()["items"]
            if r["complaint_id"] == accepted["complaint_id"]
        ]
    )
