"""A referral the secretariat withdrew, in a real browser on the real stack.

The secretariat's steps arrive on referral.casework (published here as referral publishes them):
a due date extended, then the referral withdrawn. The gateway's desk leaves it out of the
officer's inbox, finds it under the status filter, shows it without actions and with the
secretariat's steps in its history, in Bahasa Indonesia and in English; intake's public tracker
shows "dialihkan oleh sekretariat". Nothing is loaded from outside, axe-core finds nothing serious.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaProducer

from slrt_shared.contracts import topics
from slrt_shared.contracts.envelope import new_event
from slrt_shared.contracts.events import ReferralCaseWork

from .browser import (
    DESKTOP_VIEWPORT,
    PHONE_VIEWPORT,
    OutsideRequests,
    chromium,
    needs_chromium,
    screenshot,
    serious_accessibility_violations,
)
from .conftest import _eventually
from .test_agency_desk import card, complaint, gateway_referral, issue

pytestmark = [pytest.mark.e2e, pytest.mark.integration]

VILLAGES = {"phone": "32.15.18.2003", "desktop": "32.15.18.2004"}
SIZES = {"phone": PHONE_VIEWPORT, "desktop": DESKTOP_VIEWPORT}


def publish(platform: Any, *steps: ReferralCaseWork) -> None:
    """Put the secretariat's steps on referral.casework as referral does, keyed by complaint."""

    async def send() -> None:
        producer = AIOKafkaProducer(bootstrap_servers=platform.env.kafka_bootstrap_servers)
        await producer.start()
        try:
            for data in steps:
                event = new_event(data, source="/slrt/referral", subject=data.complaint_id)
                await producer.send_and_wait(
                    platform.env.layout.name(topics.REFERRAL_CASEWORK),
                    event.to_bytes(),
                    key=str(data.complaint_id).encode(),
                )
        finally:
            await producer.stop()

    asyncio.run(send())


def status_of(platform: Any, referral_id: str) -> str:
    answer = httpx.get(
        f"{platform.urls['agency-gateway']}/v1/referrals/{referral_id}",
        headers=platform.agency("DINSOS"),
    )
    return str(answer.json()["status"])


@needs_chromium
@pytest.mark.parametrize("size", sorted(SIZES, reverse=True))
def test_a_withdrawn_referral_leaves_the_inbox_and_shows_why(platform, size: str) -> None:  # type: ignore[no-untyped-def]
    officer = issue(platform, "DINSOS", "officer", "Rina Kusuma")
    village = VILLAGES[size]
    kept = platform.register(complaint(village, "LANSIA", "Suminah", 20))
    taken = platform.register(complaint(village, "LANSIA", "Warsito", 21))
    open_one, withdrawn = (
        _eventually(lambda c=c: gateway_referral(platform, "DINSOS", c["complaint_id"]), 60)
        for c in (kept, taken)
    )
    now = datetime.now(UTC).replace(microsecond=0)
    due = datetime.fromisoformat(withdrawn["due_at"]) + timedelta(days=7)
    steps = {
        "referral_id": uuid.UUID(withdrawn["referral_id"]),
        "complaint_id": uuid.UUID(withdrawn["complaint_id"]),
        "by_account": uuid.uuid4(),
    }
    publish(
        platform,
        ReferralCaseWork(
            **steps, action="due_extended", reason_code="menunggu_dokumen", due_at=due, at=now
        ),
        ReferralCaseWork(
            **steps,
            action="withdrawn",
            reason_code="salah_instansi",
            to_agency_code="DINKES",
            at=now + timedelta(seconds=1),
        ),
    )
    _eventually(lambda: status_of(platform, withdrawn["referral_id"]) == "withdrawn", 60)

    with chromium() as browser:
        # axe-core is injected as an inline script, which the desk's policy forbids.
        context = browser.new_context(viewport=SIZES[size], bypass_csp=True)
        outside = OutsideRequests().watch(context)
        page = context.new_page()
        page.goto(platform.urls["agency-gateway"] + "/desk/")
        page.fill("#token", officer["token"])
        page.click("#signin-form button[type=submit]")
        page.wait_for_selector("#app", state="visible")
        page.fill("#f-village", village)
        page.click("#filters button[type=submit]")
        card(page, open_one["referral_id"]).wait_for()
        # The inbox (every status) leaves the withdrawn one out ...
        assert card(page, withdrawn["referral_id"]).count() == 0
        # ... the status filter finds it.
        page.select_option("#f-status", "withdrawn")
        page.click("#filters button[type=submit]")
        card(page, withdrawn["referral_id"]).wait_for()
        assert card(page, open_one["referral_id"]).count() == 0
        assert "Dialihkan sekretariat" in page.inner_text("#list")
        assert "sisa" not in page.inner_text("#list")  # no countdown: nothing left to do
        card(page, withdrawn["referral_id"]).click()
        page.wait_for_selector("#detail", state="visible")
        page.wait_for_selector("#withdrawn-note", state="visible")
        assert page.locator("#act-note").is_hidden() and page.locator("#act-resolve").is_hidden()
        history = page.inner_text("#timeline")
        assert "Tenggat diperpanjang oleh sekretariat SLRT" in history
        assert "Dialihkan oleh sekretariat SLRT: Salah instansi tujuan" in history
        assert "Salah instansi tujuan" in page.inner_text("#facts")
        assert serious_accessibility_violations(page) == []
        screenshot(page, f"desk-withdrawn-{size}.png", full_page=True)

        page.click("#lang")
        page.wait_for_function(
            "() => document.getElementById('timeline').textContent.includes('Withdrawn by')"
        )
        assert "Sent to the wrong agency" in page.inner_text("#timeline")
        assert "withdrawn this referral" in page.inner_text("#withdrawn-note")
        assert serious_accessibility_violations(page) == []
        screenshot(page, f"desk-withdrawn-en-{size}.png", full_page=True)
        assert outside == []
        context.close()

    # The resident's tracker: the step, in words, with no reason code or person.
    def tracker() -> dict[str, Any] | None:
        view: dict[str, Any] = httpx.get(
            f"{platform.urls['intake']}/v1/track/{taken['ticket']}"
        ).json()
        return view if any(e["kind"] == "withdrawn" for e in view["timeline"]) else None

    tracked = _eventually(tracker, 60)
    labels = [e["label"] for e in tracked["timeline"] if e["label"]]
    assert labels == ["tenggat diperpanjang", "dialihkan oleh sekretariat"]
    assert "salah_instansi" not in str(tracked) and str(steps["by_account"]) not in str(tracked)
