"""District rules and escalations, seen across the running services."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime

import httpx
import pytest
from aiokafka import AIOKafkaProducer

from slrt_shared.contracts.envelope import new_event
from slrt_shared.contracts.events import ReferralEscalated

pytestmark = [pytest.mark.e2e, pytest.mark.integration]

VILLAGE = "32.15.10.2001"


def register(platform, needs: list[str], village: str = VILLAGE) -> dict:  # type: ignore[no-untyped-def]
    body = {
        "village_code": village,
        "needs": needs,
        "description": "Butuh bantuan.",
        "channel": "walk_in",
        "recorded_at": "2025-06-26T09:15:00+07:00",
        "resident": {"nik": "3215100107800001", "name": "Budi", "phone": "081298765432"},
    }
    return platform.register(body)


def case(platform, complaint_id: str) -> dict:  # type: ignore[no-untyped-def]
    return httpx.get(
        f"{platform.urls['referral']}/v1/cases/{complaint_id}",  # type: ignore[no-any-return]
        headers=platform.district(),
    ).json()


def admin(platform) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {"Authorization": f"Bearer {platform.creds['admin']}"}


def test_the_admin_overrides_a_rule_for_one_kecamatan_and_referrals_follow_it(
    platform, eventually
) -> None:
    rules = f"{platform.urls['referral']}/v1/rules"
    assert httpx.get(rules).status_code == 401
    assert httpx.get(rules, headers=platform.district()).status_code == 401
    bad = httpx.put(
        f"{rules}/SEMBAKO/kecamatan/32.15.10",
        headers=admin(platform),
        json={"agencies": ["NOPE"], "sla_working_days": 3},
    )
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "invalid_rule"
    saved = httpx.put(
        f"{rules}/SEMBAKO/kecamatan/32.15.10",
        headers=admin(platform),
        json={"agencies": ["PKH", "DINSOS"], "sla_working_days": 3},
    )
    assert saved.status_code == 200, saved.text
    assert saved.json()["scope"] == "32.15.10" and saved.json()["version"] == 1

    here = register(platform, ["SEMBAKO"])
    elsewhere = register(platform, ["SEMBAKO"], village="32.15.02.2001")
    routed = eventually(lambda: case(platform, here["complaint_id"]).get("referrals"))
    assert (routed[0]["agency_code"], routed[0]["rule_scope"]) == ("PKH", "32.15.10")
    other = eventually(lambda: case(platform, elsewhere["complaint_id"]).get("referrals"))
    assert (other[0]["agency_code"], other[0]["rule_scope"]) == ("DINSOS", "")

    removed = httpx.delete(f"{rules}/SEMBAKO/kecamatan/32.15.10", headers=admin(platform))
    assert removed.status_code == 204
    history = httpx.get(f"{rules}/SEMBAKO/history", headers=admin(platform)).json()
    assert [(h["scope"], h["version"], h["removed"]) for h in history][:2] == [
        ("", 1, False),
        ("32.15.10", 2, True),
    ]


def test_a_referral_rejected_by_every_agency_reaches_the_secretariat(platform, eventually) -> None:
    accepted = register(platform, ["PIP"])
    gateway = platform.urls["agency-gateway"]
    for agency in ("DISDIK", "KEMENAG"):
        referral = eventually(
            lambda a=agency: [
                r
                for r in httpx.get(
                    f"{gateway}/v1/referrals",
                    params={"status": "dispatched"},
                    headers=platform.agency(a),
                ).json()["items"]
                if r["complaint_id"] == accepted["complaint_id"]
            ]
        )[0]
        rejected = httpx.post(
            f"{gateway}/v1/referrals/{referral['referral_id']}/reject",
            json={"reason": "Bukan wewenang kami."},
            headers={**platform.agency(agency), "Idempotency-Key": str(uuid.uuid4())},
        )
        assert rejected.status_code == 200, rejected.text
    last = eventually(
        lambda: [
            r
            for r in case(platform, accepted["complaint_id"])["referrals"]
            if r["agency_code"] == "SLRT"
        ]
    )
    assert (last[0]["attempt"], last[0]["bounces"]) == (3, 2)


def test_an_escalation_reaches_the_agency_and_the_public_timeline(
    platform, test_env, eventually
) -> None:
    accepted = register(platform, ["KESEHATAN"])
    [referral] = eventually(lambda: case(platform, accepted["complaint_id"]).get("referrals"))
    complaint_id = uuid.UUID(accepted["complaint_id"])
    escalation = new_event(
        ReferralEscalated(
            referral_id=referral["referral_id"],
            complaint_id=complaint_id,
            level="kecamatan",
            at=datetime.now(UTC),
        ),
        source="/slrt/referral",
        subject=complaint_id,
    )

    async def publish() -> None:
        producer = AIOKafkaProducer(bootstrap_servers=test_env.kafka_bootstrap_servers)
        await producer.start()
        try:
            await producer.send_and_wait(
                test_env.layout.name("referral.escalated"),
                escalation.to_bytes(),
                key=escalation.key,
            )
        finally:
            await producer.stop()

    asyncio.run(publish())
    gateway = platform.urls["agency-gateway"]
    seen = eventually(
        lambda: (
            (
                r := httpx.get(
                    f"{gateway}/v1/referrals/{referral['referral_id']}",
                    headers=platform.agency("DINKES"),
                ).json()
            ).get("escalation_level")  # the referral may not have reached the gateway yet
            and r
        )
    )
    assert seen["escalation_level"] == "kecamatan"
    timeline = eventually(
        lambda: [
            s
            for s in httpx.get(f"{platform.urls['intake']}/v1/track/{accepted['ticket']}").json()[
                "timeline"
            ]
            if s["kind"] == "escalated"
        ]
    )
    assert timeline[0]["level"] == "kecamatan"
