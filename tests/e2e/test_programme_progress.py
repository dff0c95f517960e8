"""The district's programmes on monitoring's public pages, in a real browser at phone and desktop
sizes: a monitoring process of its own (its database and topics) reads facilitators, a target,
graduation decisions and a DTSEN proposal's stages from Kafka; the district summary and the
report card show the counts, accessible, with nothing loaded from outside."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
import pytest_asyncio
from aiokafka import AIOKafkaProducer

from slrt_devstack import credentials, processes, services
from slrt_devstack.paths import StackPaths
from slrt_shared.contracts.envelope import CONTENT_TYPE, new_event
from slrt_shared.contracts.events import (
    CaseResolved,
    ComplaintCreated,
    DataProposal,
    EventData,
    FacilitatorRegistered,
    GraduationDecided,
    GraduationTargetSet,
    ReferralDispatched,
)
from slrt_shared.contracts.topics import TopicLayout

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

REGENCY = "32.15"
VILLAGE = "32.15.13.2001"
FACILITATOR_NAME = "Ratna Pendamping Lestari"
STAGES = ("kelengkapan", "verifikasi", "keputusan")


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def monitoring(  # type: ignore[no-untyped-def]
    test_env, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[tuple[str, TopicLayout, str]]:
    """A seeded monitoring process on a database and topics of its own: URL, topics, broker."""
    paths = StackPaths(tmp_path_factory.mktemp("programmes"))
    async with test_env.beside("pg") as stack:
        creds_file = paths.local / "credentials.json"
        creds = credentials.ensure(creds_file, REGENCY)
        spec = replace(services.SERVICES[3], port=processes.free_port())
        env = services.service_env(
            spec,
            stack.dsn("monitoring"),
            stack.kafka_bootstrap_servers,
            creds["admin"],
            stack.topic_prefix,
        )
        services.seed(spec, env, creds_file, REGENCY)
        try:
            services.start(paths, spec, env)
            yield spec.url, stack.layout, stack.kafka_bootstrap_servers
        finally:
            processes.stop(paths, spec.process)


def story(now: datetime) -> list[tuple[EventData, str]]:
    """What intake and referral would tell: two facilitators and a target, three graduations
    (one refused), and a DTSEN proposal accepted after its three stages; each with its key."""
    year = now.astimezone(ZoneInfo("Asia/Jakarta")).year
    events: list[tuple[EventData, str]] = [
        (
            FacilitatorRegistered(
                code=code,
                name=FACILITATOR_NAME,
                regency_code=REGENCY,
                village_codes=[VILLAGE],
                active=True,
                at=now,
            ),
            code,
        )
        for code in ("PKH-KRW-701", "PKH-KRW-702")
    ]
    target = GraduationTargetSet(
        regency_code=REGENCY, year=year, district_total=50, per_facilitator=2, at=now
    )
    events.append((target, f"{REGENCY}/{year}"))
    for decision in ("confirmed", "confirmed", "refused"):
        complaint = uuid.uuid4()
        decided = GraduationDecided(
            complaint_id=complaint,
            village_code=VILLAGE,
            facilitator_code="PKH-KRW-701",
            graduation_kind="graduasi_alamiah",
            decision=decision,  # type: ignore[arg-type]
            proposed_at=now - timedelta(days=5),
            decided_at=now,
        )
        events.append((decided, str(complaint)))
    complaint, at = uuid.uuid4(), now - timedelta(days=10)
    ticket = f"SLRT-{str(complaint)[:8].upper()}"
    created = ComplaintCreated(
        complaint_id=complaint,
        ticket=ticket,
        village_code=VILLAGE,
        needs=["DTSEN"],
        channel="walk_in",
        received_at=at,
        recorded_at=at,
        data_proposal=DataProposal(kind="baru", deliberation_date=at.date()),
    )
    events.append((created, str(complaint)))
    for index, stage in enumerate(STAGES, start=1):
        referral, dispatched_at = uuid.uuid4(), at + timedelta(days=2 * index)
        dispatched = ReferralDispatched(
            referral_id=referral,
            complaint_id=complaint,
            ticket=ticket,
            village_code=VILLAGE,
            service_code="DTSEN",
            agency_code="DINSOS",
            attempt=index,
            dispatched_at=dispatched_at,
            due_at=dispatched_at + timedelta(days=7),
            stage=stage,
            stage_index=index,
            stages_total=len(STAGES),
        )
        resolved = CaseResolved(
            referral_id=referral,
            complaint_id=complaint,
            agency_code="DINSOS",
            outcome="resolved",
            resolved_at=dispatched_at + timedelta(days=1.5),
        )
        events += [(dispatched, str(complaint)), (resolved, str(complaint))]
    return events


async def tell(layout: TopicLayout, bootstrap: str, events: list[tuple[EventData, str]]) -> None:
    """Publish the events in order, each keyed as its producer keys it."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    try:
        for data, key in events:
            event = new_event(data, source="/slrt/intake", subject=key)
            await producer.send_and_wait(
                layout.name(data.topic),
                event.to_bytes(),
                key=key.encode(),
                headers=[("content-type", CONTENT_TYPE.encode())],
            )
    finally:
        await producer.stop()


def counted(url: str) -> dict[str, Any] | None:
    """The progress once monitoring has read the whole story, else None."""
    body: dict[str, Any] = httpx.get(f"{url}/v1/programmes", params={"regency": REGENCY}).json()
    proposals = body["data_proposals"]
    done = (
        body["graduations"]["confirmed"] == 2
        and body["graduations"]["facilitators"]["active"] == 2
        and proposals["accepted"] == 1
        and len(proposals["stages"]) == 3
    )
    return body if done else None


@needs_chromium
def test_the_programme_figures_in_a_real_browser(monitoring, eventually) -> None:  # type: ignore[no-untyped-def]
    url, layout, bootstrap = monitoring
    asyncio.run(tell(layout, bootstrap, story(datetime.now(UTC))))
    body = eventually(lambda: counted(url))
    assert body["graduations"]["target"] == 50
    assert body["graduations"]["facilitators"]["at_minimum"] == 1
    assert FACILITATOR_NAME not in str(body) and "PKH-KRW-70" not in str(body)
    with chromium() as browser:
        for size, viewport in (("phone", PHONE_VIEWPORT), ("desktop", DESKTOP_VIEWPORT)):
            context = browser.new_context(viewport=viewport)
            outside = OutsideRequests().watch(context)
            page = context.new_page()
            page.goto(f"{url}/?regency={REGENCY}")
            summary = page.inner_text("#programmes")
            assert "2 dari target 50" in summary and "1 dari 2" in summary
            assert "Diterima 1" in summary
            assert serious_accessibility_violations(page) == []
            page.locator("#programmes").scroll_into_view_if_needed()
            district = screenshot(page, f"programmes-district-{size}.png")
            page.click("#lang")
            page.wait_for_load_state()
            assert "2 of a target of 50" in page.inner_text("#programmes")
            page.goto(f"{url}/puskesos/{VILLAGE}")
            card = page.inner_text("#programmes")
            assert "Graduasi PKH dikonfirmasi\t2" in card or "Graduasi PKH dikonfirmasi 2" in card
            assert "Median hari tahap kelengkapan" in card and "1.5 hari (1 usulan)" in card
            assert serious_accessibility_violations(page) == []
            page.locator("#programmes").scroll_into_view_if_needed()
            report = screenshot(page, f"programmes-card-{size}.png")
            assert FACILITATOR_NAME not in page.content()
            assert outside == []
            context.close()
            assert district.stat().st_size > 10_000 and report.stat().st_size > 10_000
