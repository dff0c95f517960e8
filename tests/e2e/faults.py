"""A steady load of complaints, and the checks that must hold after any fault.

After a fault: every accepted complaint has exactly one referral per need (on Kafka, in the
referral service and at each agency), and monitoring's counts equal the truth.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
import uuid
from collections import defaultdict
from typing import Any

import httpx
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import KafkaError

from slrt_devstack.testing import read_records
from slrt_shared import reference
from slrt_shared.consumer_lag import group_lag
from slrt_shared.contracts import topics

NEEDS = {"JKN-PBI": "DINSOS", "ADMINDUK": "DISDUKCAPIL"}
CONSUMED_BY = {
    "intake": [
        topics.REFERRAL_DISPATCHED,
        topics.REFERRAL_UPDATED,
        topics.REFERRAL_ESCALATED,
        topics.CASE_RESOLVED,
        topics.COMPLAINT_CLOSED,
    ],
    "referral": [topics.COMPLAINT_CREATED, topics.REFERRAL_UPDATED, topics.CASE_RESOLVED],
    "agency-gateway": [topics.COMPLAINT_PII, topics.REFERRAL_DISPATCHED, topics.REFERRAL_ESCALATED],
    "monitoring": [
        topics.COMPLAINT_CREATED,
        topics.REFERRAL_DISPATCHED,
        topics.REFERRAL_UPDATED,
        topics.REFERRAL_ESCALATED,
        topics.CASE_RESOLVED,
        topics.COMPLAINT_CLOSED,
    ],
}


def villages(first: int, count: int) -> list[str]:
    """Karawang villages set apart for one test, so its counts are its own."""
    codes = sorted(v.code for v in reference.villages("32.15"))
    return codes[first : first + count]


class SteadyLoad:
    """Registers complaints at a steady pace from several Puskesos, retrying like a real client.

    A failed request is repeated with the same Idempotency-Key until it is accepted, so a
    complaint is either accepted once or still being tried when the load gives up.
    """

    def __init__(self, platform: Any, village_codes: list[str], total: int, per_second: float):
        self.platform = platform
        self.villages = village_codes
        self.total = total
        self.interval = 1 / per_second
        self.accepted: dict[str, str] = {}  # complaint id -> village
        self.retries = 0
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._give_up_at = 0.0

    def start(self) -> SteadyLoad:
        """Begin sending in the background."""
        self._give_up_at = time.monotonic() + 300
        self._thread.start()
        return self

    def wait(self) -> None:
        """Wait until every complaint has been accepted (or the load gave up)."""
        self._thread.join()

    def per_village(self) -> dict[str, int]:
        """Accepted complaints per village."""
        counts: dict[str, int] = defaultdict(int)
        for village in self.accepted.values():
            counts[village] += 1
        return dict(counts)

    def _run(self) -> None:
        threads = []
        for n in range(self.total):
            village = self.villages[n % len(self.villages)]
            worker = threading.Thread(target=self._register, args=(n, village), daemon=True)
            worker.start()
            threads.append(worker)
            time.sleep(self.interval)
        for worker in threads:
            worker.join()

    def _register(self, n: int, village: str) -> None:
        body = {
            "village_code": village,
            "needs": list(NEEDS),
            "description": f"Pengaduan beban {n}: kartu PBI tidak aktif, KK hilang.",
            "channel": "walk_in",
            "recorded_at": "2025-06-26T09:15:00+07:00",
            "resident": {"nik": "3215150107800003", "name": f"Warga Uji {n}"},
        }
        headers = {**self.platform.operator(village), "Idempotency-Key": str(uuid.uuid4())}
        while time.monotonic() < self._give_up_at:
            try:
                response = httpx.post(
                    f"{self.platform.urls['intake']}/v1/complaints",
                    json=body,
                    headers=headers,
                    timeout=10,
                )
                if response.status_code in (200, 201):
                    self.accepted[response.json()["complaint_id"]] = village
                    return
            except httpx.HTTPError:
                pass
            self.retries += 1
            time.sleep(0.5)


def dispatched_referrals(test_env: Any) -> dict[str, dict[str, set[str]]]:
    """From referral.dispatched on Kafka: complaint id -> need -> referral ids."""
    records = asyncio.run(
        read_records(test_env.kafka_bootstrap_servers, test_env.layout.name("referral.dispatched"))
    )
    found: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for record in records:
        try:
            data = json.loads(record.value)["data"]
            found[data["complaint_id"]][data["service_code"]].add(data["referral_id"])
        except (ValueError, KeyError, TypeError):
            continue  # bad records injected by a fault test
    return found


def agency_referrals(platform: Any, agency: str) -> dict[str, int]:
    """Referrals an agency sees through its API, counted per complaint."""
    counts: dict[str, int] = defaultdict(int)
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 200}
        if cursor:
            params["cursor"] = cursor
        response = httpx.get(
            f"{platform.urls['agency-gateway']}/v1/referrals",
            headers=platform.agency(agency),
            params=params,
            timeout=10,
        )
        assert response.status_code == 200, response.text
        page = response.json()
        for item in page["items"]:
            counts[item["complaint_id"]] += 1
        cursor = page["next_cursor"]
        if not cursor:
            return counts


def assert_truth(platform: Any, test_env: Any, load: SteadyLoad, eventually: Any) -> None:
    """Exactly one referral per need everywhere, and monitoring counts what was accepted."""
    assert len(load.accepted) == load.total, "every complaint was eventually accepted"
    wanted = set(load.accepted)

    def settled() -> dict[str, dict[str, set[str]]] | None:
        found = dispatched_referrals(test_env)
        ok = all(set(found.get(c, {})) == set(NEEDS) for c in wanted)
        return found if ok else None

    found = eventually(settled, timeout=180)
    for complaint_id in wanted:
        for need, referral_ids in found[complaint_id].items():
            assert len(referral_ids) == 1, f"{complaint_id} {need}: {referral_ids}"

    def referral_cases_complete() -> bool:
        for complaint_id in wanted:
            response = httpx.get(
                f"{platform.urls['referral']}/v1/cases/{complaint_id}",
                headers=platform.district(),
                timeout=10,
            )
            if response.status_code != 200:
                return False
            needs = sorted(r["service_code"] for r in response.json()["referrals"])
            assert len(needs) <= len(NEEDS), f"{complaint_id}: {needs}"
            if needs != sorted(NEEDS):
                return False
        return True

    eventually(referral_cases_complete, timeout=120)
    for agency in NEEDS.values():
        seen = eventually(
            lambda a=agency: (c := agency_referrals(platform, a)) and wanted <= set(c) and c,
            timeout=120,
        )
        assert {c: seen[c] for c in wanted} == dict.fromkeys(wanted, 1), agency

    def monitoring_counts() -> dict[str, int]:
        return {
            village: httpx.get(
                f"{platform.urls['monitoring']}/v1/puskesos/{village}",
                params={"period": "all"},
                timeout=10,
            ).json()["received"]
            for village in load.villages
        }

    expected = {v: load.per_village().get(v, 0) for v in load.villages}
    eventually(lambda: monitoring_counts() == expected, timeout=120)


async def rewind_group(test_env: Any, service: str, within: float = 60) -> None:
    """Move a stopped service's consumer group back to the first offset of what it consumes.

    The broker accepts the commit only once the group is empty, i.e. when the killed member's
    session has expired, so this retries until then.
    """
    bootstrap = test_env.kafka_bootstrap_servers
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        described = await admin.describe_topics(
            [test_env.layout.name(t) for t in CONSUMED_BY[service]]
        )
    finally:
        await admin.close()
    partitions = [
        TopicPartition(t["topic"], p["partition"]) for t in described for p in t["partitions"]
    ]
    deadline = time.monotonic() + within
    while True:
        consumer = AIOKafkaConsumer(
            bootstrap_servers=bootstrap,
            group_id=f"{test_env.topic_prefix}slrt-{service}",
            enable_auto_commit=False,
        )
        await consumer.start()
        try:
            consumer.assign(partitions)
            starts = await consumer.beginning_offsets(partitions)
            await consumer.commit(dict(starts.items()))
            return
        except KafkaError:
            if time.monotonic() > deadline:
                raise
        finally:
            await consumer.stop()
        await asyncio.sleep(1)


async def unconsumed_share(test_env: Any, service: str) -> tuple[int, int]:
    """(records the service's group has not committed, records on its topics)."""
    bootstrap = test_env.kafka_bootstrap_servers
    names = [test_env.layout.name(t) for t in CONSUMED_BY[service]]
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    offsets = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await admin.start()
    await offsets.start()
    try:
        lag = await group_lag(admin, offsets, f"{test_env.topic_prefix}slrt-{service}", names)
        partitions = list(offsets.assignment())
        ends = await offsets.end_offsets(partitions)
        starts = await offsets.beginning_offsets(partitions)
        return sum(lag.values()), sum(ends[tp] - starts[tp] for tp in partitions)
    finally:
        await offsets.stop()
        await admin.close()
