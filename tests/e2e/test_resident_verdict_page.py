"""The residents' verdicts across the platform: complaint.rated and complaint.reopened on the
platform's Kafka, read by monitoring, shown on the report card and the agency table in a browser."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime

import httpx
import pytest
from aiokafka import AIOKafkaProducer

from slrt_shared.contracts.envelope import CONTENT_TYPE, new_event
from slrt_shared.contracts.events import ComplaintRated, ComplaintReopened, EventData

from .browser import (
    DESKTOP_VIEWPORT,
    PHONE_VIEWPORT,
    OutsideRequests,
    chromium,
    needs_chromium,
    screenshot,
    serious_accessibility_violations,
)

pytestmark = [pytest.mark.e2e, pytest.mark.integration]

VILLAGE = "32.15.16.2001"  # Citarik, Kec. Tirtamulya: no other test registers here


async def publish(platform, events: list[EventData], complaint: str) -> None:  # type: ignore[no-untyped-def]
    """Publish payloads as intake does, keyed by the complaint id."""
    producer = AIOKafkaProducer(bootstrap_servers=platform.env.kafka_bootstrap_servers, acks="all")
    await producer.start()
    try:
        for data in events:
            event = new_event(data, source="/slrt/intake", subject=complaint)
            await producer.send_and_wait(
                platform.env.layout.name(data.topic),
                event.to_bytes(),
                key=complaint.encode(),
                headers=[("content-type", CONTENT_TYPE.encode())],
            )
    finally:
        await producer.stop()


def said(platform) -> dict:  # type: ignore[no-untyped-def]
    """The village's verdicts, all time."""
    card = httpx.get(f"{platform.urls['monitoring']}/v1/puskesos/{VILLAGE}").json()
    return card["verdicts"]  # type: ignore[no-any-return]


@needs_chromium
def test_the_verdicts_on_the_report_card_in_a_real_browser(platform, eventually) -> None:  # type: ignore[no-untyped-def]
    accepted = platform.register(
        {
            "village_code": VILLAGE,
            "needs": ["LANSIA"],
            "description": "Lansia tinggal sendiri.",
            "channel": "walk_in",
            "recorded_at": datetime.now(UTC).isoformat(),
            "resident": {"nik": "3215164107850004", "name": "Warsih", "address": "Kp. Citarik"},
        }
    )
    complaint, ticket = accepted["complaint_id"], accepted["ticket"]
    eventually(
        lambda: httpx.get(f"{platform.urls['monitoring']}/v1/puskesos/{VILLAGE}").json()["received"]
    )
    now = datetime.now(UTC)
    common = {"complaint_id": uuid.UUID(complaint), "ticket": ticket, "village_code": VILLAGE}
    asyncio.run(
        publish(
            platform,
            [
                ComplaintRated(
                    **common, solved="partly", rating=2, by="resident", revision=1, rated_at=now
                ),
                ComplaintReopened(
                    **common,
                    scope="unresolved",
                    reason_code="hanya_sebagian",
                    by="resident",
                    reopening=1,
                    reopened_at=now,
                ),
                ComplaintRated(
                    **common, solved="yes", rating=4, by="operator", revision=2, rated_at=now
                ),
            ],
            complaint,
        )
    )
    verdicts = eventually(lambda: (v := said(platform))["verdicts"] and v["mean_rating"] == 4 and v)
    assert (verdicts["solved_yes"], verdicts["reopened"], verdicts["reopen_rate"]) == (1.0, 1, 1.0)

    with chromium() as browser:
        for size, viewport in (("phone", PHONE_VIEWPORT), ("desktop", DESKTOP_VIEWPORT)):
            context = browser.new_context(viewport=viewport)
            outside = OutsideRequests().watch(context)
            page = context.new_page()
            page.goto(f"{platform.urls['monitoring']}/puskesos/{VILLAGE}")
            card = page.inner_text("#card")
            assert "Penilaian warga" in card and "4.00" in card
            assert "1 dari 1 yang selesai (100%)" in card
            assert serious_accessibility_violations(page) == []
            # Nothing wider than the screen: the card's lines wrap on a phone.
            assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
            screenshot(page, f"report-card-verdicts-{size}.png", full_page=True)
            page.click("#lang")
            page.wait_for_load_state()
            assert "Residents' verdicts" in page.inner_text("#card")
            page.goto(f"{platform.urls['monitoring']}/")
            # (The whole page's accessibility is test_monitoring's: 309 villages take axe long.)
            assert "Rata-rata nilai warga (1–5)" in page.inner_text("#agencies")
            page.goto(f"{platform.urls['monitoring']}/cara-membaca")
            assert "Penilaian warga dan pengaduan yang dibuka kembali" in page.inner_text("main")
            assert serious_accessibility_violations(page) == []
            assert outside == []
            context.close()
