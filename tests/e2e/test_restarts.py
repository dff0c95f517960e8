"""Restart Postgres and the Kafka broker under a steady load: nothing lost, nothing doubled."""

from __future__ import annotations

import os
import threading
import time
import uuid
from pathlib import Path

import httpx
import pytest

from slrt_devstack import kafka, postgres
from slrt_devstack.paths import StackPaths

pytestmark = [pytest.mark.e2e, pytest.mark.integration, pytest.mark.fault]

ROOT = Path(__file__).resolve().parents[2]
VILLAGE = "32.15.15.2001"


def local_stack() -> bool:
    return not (os.environ.get("DATABASE_URL") or os.environ.get("KAFKA_BOOTSTRAP_SERVERS"))


def register_until_accepted(platform, n: int, accepted: list[str], stop_at: float) -> None:  # type: ignore[no-untyped-def]
    """Register like a Puskesos client: on any failure, retry with the same Idempotency-Key."""
    body = {
        "village_code": VILLAGE,
        "needs": ["JKN-PBI", "ADMINDUK"],
        "description": f"Beban uji {n}",
        "channel": "walk_in",
        "recorded_at": "2025-06-26T09:15:00+07:00",
        "resident": {"nik": "3215150107800003", "name": f"Warga {n}"},
    }
    headers = {**platform.operator(VILLAGE), "Idempotency-Key": str(uuid.uuid4())}
    while time.monotonic() < stop_at:
        try:
            response = httpx.post(
                f"{platform.urls['intake']}/v1/complaints", json=body, headers=headers, timeout=10
            )
            if response.status_code in (200, 201):
                accepted.append(response.json()["complaint_id"])
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)


@pytest.mark.skipif(not local_stack(), reason="restarts the local stack's own processes")
def test_restarting_postgres_and_kafka_mid_load_loses_and_doubles_nothing(  # type: ignore[no-untyped-def]
    platform, eventually
) -> None:
    paths = StackPaths(ROOT)
    accepted: list[str] = []
    stop_at = time.monotonic() + 240

    def load() -> None:
        for n in range(30):
            register_until_accepted(platform, n, accepted, stop_at)
            time.sleep(0.2)

    worker = threading.Thread(target=load)
    worker.start()
    time.sleep(1.5)
    postgres.stop(paths)
    time.sleep(2)
    postgres.start(paths)
    time.sleep(1.5)
    kafka.stop(paths)
    time.sleep(1)
    kafka.start(paths)
    worker.join()

    assert len(accepted) == 30, "every complaint was eventually accepted"
    assert len(set(accepted)) == 30
    referral = platform.urls["referral"]

    def referrals(complaint_id: str) -> list[dict]:
        response = httpx.get(f"{referral}/v1/cases/{complaint_id}", headers=platform.district())
        return response.json().get("referrals", []) if response.status_code == 200 else []

    for complaint_id in accepted:
        found = eventually(
            lambda c=complaint_id: len(referrals(c)) >= 2 and referrals(c), timeout=120
        )
        assert sorted(r["service_code"] for r in found) == ["ADMINDUK", "JKN-PBI"]
    monitoring = f"{platform.urls['monitoring']}/v1/puskesos/{VILLAGE}"
    eventually(
        lambda: httpx.get(monitoring, params={"period": "all"}).json()["received"] == 30,
        timeout=120,
    )
