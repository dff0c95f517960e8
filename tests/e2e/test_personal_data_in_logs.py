"""No personal data in any service's logs nor in any public answer, after a complaint's whole life.

The resident's data goes in, travels to the agency and is read there; the logs of the four
services and every public endpoint are then searched for it, and for any number a NIK could be.
"""

from __future__ import annotations

import uuid

import httpx
import pytest

from .personal_data import RESIDENT, SECRETS, plausible_niks

pytestmark = [pytest.mark.e2e, pytest.mark.integration, pytest.mark.security]

VILLAGE = "32.15.08.2001"


def test_a_complaints_whole_life_leaves_no_personal_data_in_logs_or_public_answers(  # type: ignore[no-untyped-def]
    platform, eventually
) -> None:
    accepted = platform.register(
        {
            "village_code": VILLAGE,
            "needs": ["DISABILITAS"],
            "description": "Ibu Kartini penyandang disabilitas netra, butuh alat bantu.",
            "channel": "walk_in",
            "recorded_at": "2025-06-26T09:15:00+07:00",
            "resident": RESIDENT,
        }
    )
    # A refused complaint carries personal data too; its errors must not echo it into a log.
    refused = httpx.post(
        f"{platform.urls['intake']}/v1/complaints",
        json={"village_code": VILLAGE, "needs": ["NOPE"], "resident": RESIDENT},
        headers={**platform.operator(VILLAGE), "Idempotency-Key": str(uuid.uuid4())},
    )
    assert refused.status_code == 422
    gateway = platform.urls["agency-gateway"]

    def referral() -> dict | None:
        items = httpx.get(
            f"{gateway}/v1/referrals", headers=platform.agency("DINSOS"), params={"limit": 200}
        ).json()["items"]
        # the resident's data travels on its own topic and may arrive after the referral
        mine = [r for r in items if r["complaint_id"] == accepted["complaint_id"] and r["resident"]]
        return mine[0] if mine else None

    found = eventually(referral, timeout=60)
    detail = httpx.get(
        f"{gateway}/v1/referrals/{found['referral_id']}", headers=platform.agency("DINSOS")
    ).json()
    assert detail["resident"]["name"] == RESIDENT["name"]  # the agency does see it
    for action, payload in (("acknowledge", None), ("resolve", {"outcome": "resolved"})):
        answer = httpx.post(
            f"{gateway}/v1/referrals/{found['referral_id']}/{action}",
            json=payload,
            headers={**platform.agency("DINSOS"), "Idempotency-Key": str(uuid.uuid4())},
        )
        assert answer.status_code == 200, answer.text
    ticket = accepted["ticket"]
    eventually(
        lambda: (
            httpx.get(f"{platform.urls['intake']}/v1/track/{ticket}").json()["status"] == "closed"
        ),
        timeout=60,
    )

    public = [
        f"{platform.urls['intake']}/v1/track/{ticket}",
        f"{platform.urls['intake']}/open311/v2/requests.json?jurisdiction_id=32.15",
        f"{platform.urls['intake']}/open311/v2/requests/{ticket}.json",
        f"{platform.urls['intake']}/open311/v2/requests/{ticket}.xml",
        f"{platform.urls['agency-gateway']}/v1/directory",
        f"{platform.urls['monitoring']}/",
        f"{platform.urls['monitoring']}/puskesos/{VILLAGE}",
        f"{platform.urls['monitoring']}/v1/puskesos/{VILLAGE}",
        f"{platform.urls['monitoring']}/v1/rankings?level=village",
        f"{platform.urls['monitoring']}/v1/rankings.csv?level=village&period=all",
    ]
    texts = {url: httpx.get(url).text for url in public}
    logs = sorted(platform.paths.logs.glob("*.log"))
    assert {"intake.log", "referral.log", "agency-gateway.log", "monitoring.log"} <= {
        log.name for log in logs
    }
    texts.update({str(log): log.read_text(errors="replace") for log in logs})
    for where, text in texts.items():
        for secret in SECRETS:
            assert secret not in text, (where, secret)
        assert plausible_niks(text) == [], where
