"""A complaint travels from a village Puskesos to an agency and back, across four processes."""

from __future__ import annotations

import asyncio
import json
import re
import uuid

import asyncpg
import httpx
import pytest
from aiokafka import AIOKafkaConsumer
from aiokafka.admin import AIOKafkaAdminClient

from .conftest import referrals_of
from .redelivery import deliver_again, records_about

pytestmark = [pytest.mark.e2e, pytest.mark.integration]

VILLAGE = "32.15.02.2001"
NIK = "3215024107800001"


def complaint(needs: list[str]) -> dict[str, object]:
    return {
        "village_code": VILLAGE,
        "needs": needs,
        "description": "BPJS PBI tidak aktif sejak Maret; KK hilang.",
        "channel": "walk_in",
        "recorded_at": "2025-06-26T09:15:00+07:00",
        "resident": {
            "nik": NIK,
            "name": "Siti Aminah",
            "phone": "081234567890",
            "address": "Dusun Krajan RT 02/RW 01",
        },
    }


def register(platform, needs: list[str]) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return platform.register(complaint(needs))


def act(platform, agency: str, referral_id: str, action: str, body=None) -> httpx.Response:  # type: ignore[no-untyped-def]
    return httpx.post(
        f"{platform.urls['agency-gateway']}/v1/referrals/{referral_id}/{action}",
        headers={**platform.agency(agency), "Idempotency-Key": str(uuid.uuid4())},
        json=body,
    )


def track(platform, ticket: str) -> dict:  # type: ignore[no-untyped-def]
    response = httpx.get(f"{platform.urls['intake']}/v1/track/{ticket}")
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def village_report(platform) -> dict:  # type: ignore[no-untyped-def]
    return httpx.get(f"{platform.urls['monitoring']}/v1/puskesos/{VILLAGE}").json()  # type: ignore[no-any-return]


def test_a_complaint_travels_from_the_puskesos_to_the_agency_and_back(platform, eventually) -> None:
    before = village_report(platform)
    accepted = register(platform, ["JKN-PBI", "ADMINDUK"])
    complaint_id, ticket = accepted["complaint_id"], accepted["ticket"]
    assert re.fullmatch(r"SLRT-[0-9A-Z]{4}-[0-9A-Z]{4}", ticket)

    # Each need reaches the first agency of its routing order, with the resident's data.
    # The resident's data comes on complaint.pii, which may reach the gateway after the referral.
    dinsos = eventually(
        lambda: (
            (found := referrals_of(platform, "DINSOS", complaint_id))
            and found[0]["resident"]
            and found
        )
    )
    capil = eventually(lambda: referrals_of(platform, "DISDUKCAPIL", complaint_id))
    assert [r["service_code"] for r in dinsos] == ["JKN-PBI"]
    assert [r["service_code"] for r in capil] == ["ADMINDUK"]
    assert dinsos[0]["resident"]["nik"] == NIK
    assert dinsos[0]["resident"]["phone"] == "+6281234567890"

    # Another agency cannot see it: the same answer as a referral that does not exist.
    other = httpx.get(
        f"{platform.urls['agency-gateway']}/v1/referrals/{dinsos[0]['referral_id']}",
        headers=platform.agency("BPJSKES"),
    )
    missing = httpx.get(
        f"{platform.urls['agency-gateway']}/v1/referrals/{uuid.uuid4()}",
        headers=platform.agency("BPJSKES"),
    )
    assert other.status_code == missing.status_code == 404
    assert other.json() == missing.json()

    assert act(platform, "DINSOS", dinsos[0]["referral_id"], "acknowledge").status_code == 200
    resolved = act(
        platform,
        "DINSOS",
        dinsos[0]["referral_id"],
        "resolve",
        {"outcome": "resolved", "note": "PBI aktif kembali"},
    )
    assert resolved.status_code == 200, resolved.text
    assert track(platform, ticket)["status"] != "closed"  # ADMINDUK is still open
    assert (
        act(
            platform,
            "DISDUKCAPIL",
            capil[0]["referral_id"],
            "resolve",
            {"outcome": "partially_resolved", "note": "KK dicetak ulang"},
        ).status_code
        == 200
    )

    # The public tracker shows the whole journey, closed, and nothing personal.
    tracked = eventually(lambda: (t := track(platform, ticket))["status"] == "closed" and t)
    kinds = [step["kind"] for step in tracked["timeline"]]
    assert kinds[0] == "received" and kinds[-1] == "closed"
    assert kinds.count("referred") == 2 and kinds.count("resolved") == 2
    public = json.dumps(tracked)
    for secret in (NIK, "Siti", "0812", "Krajan", "BPJS PBI tidak aktif"):
        assert secret not in public

    # District staff see the closed case with both outcomes.
    case = httpx.get(
        f"{platform.urls['referral']}/v1/cases/{complaint_id}", headers=platform.district()
    ).json()
    assert case["status"] == "closed"
    assert sorted(r["outcome"] for r in case["referrals"]) == ["partially_resolved", "resolved"]

    # Monitoring counted it for the village.
    report = eventually(
        lambda: (r := village_report(platform))["closed"] == before["closed"] + 1 and r
    )
    assert report["received"] == before["received"] + 1


def test_a_rejected_referral_goes_to_the_next_agency(platform, eventually) -> None:
    accepted = register(platform, ["JKN-PBI"])
    first = eventually(lambda: referrals_of(platform, "DINSOS", accepted["complaint_id"]))
    rejected = act(
        platform,
        "DINSOS",
        first[0]["referral_id"],
        "reject",
        {"reason": "Sudah terdaftar PBI daerah; wewenang BPJS."},
    )
    assert rejected.status_code == 200, rejected.text
    second = eventually(lambda: referrals_of(platform, "BPJSKES", accepted["complaint_id"]))
    assert second[0]["attempt"] == 2


def test_a_crashed_service_loses_nothing_and_duplicates_nothing(platform, eventually) -> None:
    platform.crash("referral")
    try:
        accepted = [register(platform, ["JKN-PBI", "ADMINDUK"]) for _ in range(5)]
    finally:
        platform.start("referral")
    for complaint_accepted in accepted:
        complaint_id = complaint_accepted["complaint_id"]
        assert len(eventually(lambda c=complaint_id: referrals_of(platform, "DINSOS", c))) == 1
        assert len(eventually(lambda c=complaint_id: referrals_of(platform, "DISDUKCAPIL", c))) == 1

    platform.crash("intake")
    platform.start("intake")
    for complaint_accepted in accepted:
        assert track(platform, complaint_accepted["ticket"])["status"] == "referred"


def test_redelivered_events_change_nothing(platform, test_env, eventually) -> None:
    accepted = register(platform, ["KESEHATAN"])
    complaint_id = accepted["complaint_id"]
    referral = eventually(lambda: referrals_of(platform, "DINKES", complaint_id))[0]
    act(platform, "DINKES", referral["referral_id"], "resolve", {"outcome": "resolved"})
    eventually(lambda: track(platform, accepted["ticket"])["status"] == "closed")
    # Monitoring reads complaint.closed on its own: the figures count the case once it has.
    eventually(lambda: asyncio.run(_counted_closed(platform, complaint_id)))
    before = village_report(platform)

    # Every record about this complaint is delivered again to every consumer.
    replayed = asyncio.run(_replay(test_env, complaint_id))
    assert replayed >= 4  # created, pii, dispatched, resolved, closed ...
    for group in ("intake", "referral", "agency-gateway", "monitoring"):
        asyncio.run(_wait_caught_up(test_env, f"{test_env.topic_prefix}slrt-{group}"))

    case = httpx.get(
        f"{platform.urls['referral']}/v1/cases/{complaint_id}", headers=platform.district()
    ).json()
    assert len(case["referrals"]) == 1
    assert len(referrals_of(platform, "DINKES", complaint_id)) == 1
    kinds = [s["kind"] for s in track(platform, accepted["ticket"])["timeline"]]
    assert kinds.count("closed") == 1 and kinds.count("referred") == 1
    after = village_report(platform)
    for count in ("received", "closed", "escalations", "re_referrals", "open_backlog"):
        assert after[count] == before[count], count


async def _counted_closed(platform, complaint_id: str) -> bool:  # type: ignore[no-untyped-def]
    """Whether monitoring has counted the complaint as closed."""
    conn = await asyncpg.connect(platform.env.dsns["monitoring"])
    try:
        return bool(
            await conn.fetchval(
                "SELECT closed_at IS NOT NULL FROM monitoring.complaint_facts"
                " WHERE complaint_id = $1::uuid",
                complaint_id,
            )
        )
    finally:
        await conn.close()


async def _replay(test_env, complaint_id: str) -> int:  # type: ignore[no-untyped-def]
    topics = [
        test_env.layout.name(t)
        for t in (
            "complaint.created",
            "complaint.pii",
            "referral.dispatched",
            "referral.updated",
            "case.resolved",
            "complaint.closed",
        )
    ]
    bootstrap = test_env.kafka_bootstrap_servers
    mine = await records_about(bootstrap, topics, complaint_id)
    await deliver_again(bootstrap, mine)
    return len(mine)


async def _wait_caught_up(test_env, group: str) -> None:  # type: ignore[no-untyped-def]
    admin = AIOKafkaAdminClient(bootstrap_servers=test_env.kafka_bootstrap_servers)
    reader = AIOKafkaConsumer(bootstrap_servers=test_env.kafka_bootstrap_servers)
    await admin.start()
    await reader.start()
    try:
        for _ in range(120):
            committed = await admin.list_consumer_group_offsets(group)
            ends = await reader.end_offsets(list(committed))
            if committed and all(m.offset >= ends[tp] for tp, m in committed.items()):
                return
            await asyncio.sleep(0.25)
        raise AssertionError(f"consumer group {group} did not catch up")
    finally:
        await admin.close()
        await reader.stop()
