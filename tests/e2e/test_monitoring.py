"""Monitoring across the platform: replay, the absence of personal data, streams and the page."""

from __future__ import annotations

import asyncio
import json
import re
import subprocess
import sys
import time

import asyncpg
import httpx
import pytest

from intake.domain import nik

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

VILLAGE = "32.15.13.2001"
NIK = "3215134107850003"
NAME = "Maryati Sukaesih"
PHONE = "081377778888"


def register(platform, needs: list[str]) -> dict:  # type: ignore[no-untyped-def]
    body = {
        "village_code": VILLAGE,
        "needs": needs,
        "description": "Lansia tinggal sendiri.",
        "channel": "home_visit",
        "recorded_at": "2025-06-26T09:15:00+07:00",
        "resident": {"nik": NIK, "name": NAME, "phone": PHONE, "address": "Kp. Cibeureum"},
    }
    return platform.register(body)


def counted(platform) -> int:  # type: ignore[no-untyped-def]
    return int(
        httpx.get(
            f"{platform.urls['monitoring']}/v1/puskesos/{VILLAGE}", params={"period": "all"}
        ).json()["received"]
    )


def comparable(platform) -> dict:  # type: ignore[no-untyped-def]
    """Every ranking, without the one figure that moves with the clock (backlog age)."""
    out = {}
    for level in ("village", "kecamatan", "agency"):
        for period in ("all", None):
            params = {"level": level, **({"period": period} if period else {})}
            rows = httpx.get(f"{platform.urls['monitoring']}/v1/rankings", params=params).json()
            out[f"{level}:{period}"] = [
                {k: v for k, v in r.items() if k != "backlog_median_age_days"} for r in rows["rows"]
            ]
    return out


def referrals_counted(platform) -> int:  # type: ignore[no-untyped-def]
    rows = httpx.get(
        f"{platform.urls['monitoring']}/v1/rankings", params={"level": "agency", "period": "all"}
    ).json()["rows"]
    return sum(int(r["referrals"]) for r in rows)


def settled_rankings(platform, eventually) -> dict:  # type: ignore[no-untyped-def]
    """The rankings once two reads a second apart agree (events of earlier tests may still land)."""

    def unchanged() -> dict | None:
        first = comparable(platform)
        time.sleep(1)
        return first if comparable(platform) == first else None

    settled: dict = eventually(unchanged)
    return settled


def test_a_replay_rebuilds_identical_rankings(platform, eventually) -> None:  # type: ignore[no-untyped-def]
    before_count, before_referrals = counted(platform), referrals_counted(platform)
    register(platform, ["LANSIA", "SEMBAKO"])
    # the complaint and both of its referrals, which monitoring reads from different topics
    eventually(lambda: counted(platform) == before_count + 1)
    eventually(lambda: referrals_counted(platform) >= before_referrals + 2)
    before = settled_rankings(platform, eventually)
    assert any(r["received"] for r in before["village:all"])

    platform.crash("monitoring")
    replayed = subprocess.run(
        [sys.executable, "-m", "monitoring", "rebuild"],
        env=platform.envs["monitoring"],
        capture_output=True,
        text=True,
        check=False,
        timeout=180,
    )
    assert replayed.returncode == 0, replayed.stderr[-3000:]
    assert re.search(r"replayed \d+ events", replayed.stdout)
    platform.start("monitoring")
    assert comparable(platform) == before


def test_no_personal_data_in_monitoring_tables_or_public_answers(  # type: ignore[no-untyped-def]
    platform, test_env, eventually
) -> None:
    before = counted(platform)
    register(platform, ["DISABILITAS"])
    eventually(lambda: counted(platform) == before + 1)
    secrets_ = [NIK, NAME, "Maryati", PHONE, PHONE[1:], "Cibeureum", "Lansia tinggal"]
    # A NIK stands alone; the fractional digits of a float (0.8536485265051918) are not one.
    nik_like = re.compile(r"(?<![\d.])\d{16}(?![\d.])")

    async def dump() -> str:
        conn = await asyncpg.connect(test_env.dsns["monitoring"])
        try:
            tables = [
                r["tablename"]
                for r in await conn.fetch(
                    "SELECT tablename FROM pg_tables WHERE schemaname = 'monitoring'"
                )
            ]
            assert "complaint_facts" in tables
            chunks = []
            for table in tables:
                rows = await conn.fetch(f"SELECT * FROM monitoring.{table}")
                chunks.append(json.dumps([dict(r) for r in rows], default=str))
            return "\n".join(chunks)
        finally:
            await conn.close()

    monitoring = platform.urls["monitoring"]
    answers = [asyncio.run(dump())]
    for path in (
        "/",
        "/?lang=en",
        f"/puskesos/{VILLAGE}",
        f"/v1/puskesos/{VILLAGE}",
        "/v1/rankings?level=village",
        "/v1/rankings?level=kecamatan",
        "/v1/rankings?level=agency",
        "/v1/rankings.csv?level=village&period=all",
        "/openapi.json",
    ):
        response = httpx.get(monitoring + path)
        assert response.status_code == 200, path
        answers.append(response.text)
    for text in answers:
        for secret in secrets_:
            assert secret not in text
        for found in nik_like.finditer(text):
            # Any 16-digit run a NIK could be: a real province, region and birth date.
            plausible = nik.problem(found.group(), frozenset(), frozenset()) in (None, "nik_dummy")
            assert not plausible, text[max(found.start() - 300, 0) : found.end() + 50]


def test_dashboards_get_ranking_updates_by_server_sent_events_and_kafka(  # type: ignore[no-untyped-def]
    platform, test_env
) -> None:
    url = f"{platform.urls['monitoring']}/v1/rankings/stream"
    with httpx.stream("GET", url, timeout=httpx.Timeout(60, read=60)) as stream:
        assert stream.headers["content-type"].startswith("text/event-stream")
        register(platform, ["PKH"])
        data = None
        for line in stream.iter_lines():
            if line.startswith("data: "):
                data = json.loads(line[6:])
                break
    assert data is not None and data["level"] in {"village", "kecamatan", "agency"}

    async def ranking_events() -> list[dict]:
        from aiokafka import AIOKafkaConsumer, TopicPartition

        topic = test_env.layout.name("ranking.updated")
        consumer = AIOKafkaConsumer(bootstrap_servers=test_env.kafka_bootstrap_servers)
        await consumer.start()
        try:
            await consumer._client.force_metadata_update()
            parts = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or []]
            consumer.assign(parts)
            await consumer.seek_to_beginning(*parts)
            records = []
            for _ in range(10):
                for batch in (await consumer.getmany(timeout_ms=500)).values():
                    records.extend(json.loads(r.value) for r in batch)
                if records:
                    break
            return records
        finally:
            await consumer.stop()

    events = asyncio.run(ranking_events())
    assert events and events[0]["type"] == "id.slrt.ranking.updated.v1"
    assert {"regency_code", "period", "level", "rows"} <= set(events[0]["data"])


def test_the_csv_export_has_a_row_per_village(platform) -> None:  # type: ignore[no-untyped-def]
    response = httpx.get(
        f"{platform.urls['monitoring']}/v1/rankings.csv",
        params={"level": "village", "period": "all"},
    )
    assert response.headers["content-type"].startswith("text/csv")
    lines = response.text.strip().splitlines()
    assert lines[0].startswith("rank,code,name,score,status,flagged,received")
    assert len(lines) == 1 + 309
    summary = httpx.get(
        f"{platform.urls['monitoring']}/v1/rankings", params={"period": "all"}
    ).json()["regency_measures"]
    assert summary["received"] == sum(int(line.split(",")[6]) for line in lines[1:])
    kecamatan = httpx.get(
        f"{platform.urls['monitoring']}/v1/rankings.csv",
        params={"level": "village", "kecamatan": "32.15.13"},
    ).text
    assert all(",32.15.13." in line for line in kecamatan.strip().splitlines()[1:])


@needs_chromium
def test_the_public_page_in_a_real_browser(platform) -> None:  # type: ignore[no-untyped-def]
    register(platform, ["LANSIA"])
    with chromium() as browser:
        for size, viewport in (("phone", PHONE_VIEWPORT), ("desktop", DESKTOP_VIEWPORT)):
            context = browser.new_context(viewport=viewport)
            outside = OutsideRequests().watch(context)
            page = context.new_page()
            page.goto(platform.urls["monitoring"] + "/")
            assert "Peringkat Puskesos" in page.inner_text("main")
            assert page.locator("#ranking tbody tr").count() == 309
            assert serious_accessibility_violations(page) == []
            ranking = screenshot(page, f"ranking-{size}.png")
            page.click("#lang")
            assert "Puskesos ranking" in page.inner_text("main")
            page.select_option("select[name=kecamatan]", "32.15.13")
            page.click("button[type=submit]")
            rows = page.locator("#ranking tbody tr")
            assert 0 < rows.count() < 309
            page.click(f"a[href^='/puskesos/{VILLAGE}']")
            page.wait_for_url(f"**/puskesos/{VILLAGE}**")  # the click only starts the navigation
            page.wait_for_load_state()
            assert "report card" in page.title()
            assert page.locator("svg rect").count() >= 2
            assert serious_accessibility_violations(page) == []
            card = screenshot(page, f"report-card-{size}.png", full_page=True)
            assert outside == []
            context.close()
            assert ranking.stat().st_size > 10_000
            assert card.stat().st_size > 10_000
