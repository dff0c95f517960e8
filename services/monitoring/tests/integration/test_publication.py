"""What a district publishes, on a real Kafka and Postgres: the map, the flagged, the bulletin."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from monitoring.app import build
from monitoring.domain.periods import current_month, months_before
from monitoring.settings import MonitoringSettings
from slrt_devstack.testing import eventually

from .conftest import Monitoring
from .test_monitoring_flow import a_whole_case, created, publish

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]

POOR = "32.15.09.2004"
GOOD = "32.15.09.2005"


async def open_late_complaints(m: Monitoring, village: str, at: datetime, count: int) -> None:
    """Complaints registered three days after receipt, never closed."""
    for _ in range(count):
        complaint_id = uuid.uuid4()
        first = created(complaint_id, village, at)
        await publish(
            m, first.model_copy(update={"recorded_at": at - timedelta(days=3)}), complaint_id
        )


async def test_a_village_flagged_two_months_running_is_listed_with_its_reason(
    monitoring: Monitoring,
) -> None:
    now = datetime.now(UTC)
    this_month = current_month(now)
    last_month = months_before(this_month, 2)[0]
    last = datetime.strptime(last_month, "%Y-%m").replace(tzinfo=UTC) + timedelta(days=3)
    await open_late_complaints(monitoring, POOR, last, 6)
    await open_late_complaints(monitoring, POOR, now, 6)
    for _ in range(5):
        await a_whole_case(monitoring, GOOD)

    async def listed() -> dict | None:  # type: ignore[type-arg]
        answer = await monitoring.http.get("/v1/underperformers", params={"period": this_month})
        assert answer.status_code == 200, answer.text
        body = answer.json()
        best = [b["code"] for b in body["best"]]
        return body if any(v["code"] == POOR for v in body["villages"]) and GOOD in best else None

    body = await eventually(listed)
    [poor] = [v for v in body["villages"] if v["code"] == POOR]
    assert poor["reason"] == {"measure": "not_closed", "bad": 6, "whole": 6}
    assert poor["months_in_a_row"] == 2
    assert GOOD not in {v["code"] for v in body["villages"]}

    page = (await monitoring.http.get("/", params={"period": this_month})).text
    section = page.split('id="underperformers"')[1].split("</section>")[0]
    assert "6 dari 6 pengaduan belum selesai" in section
    assert "ditandai 2 bulan berturut-turut" in section
    english = (await monitoring.http.get("/", params={"period": this_month, "lang": "en"})).text
    assert "6 of 6 complaints not closed; flagged 2 months in a row" in english


async def test_the_map_has_a_shape_per_village_linking_to_its_report_card(
    monitoring: Monitoring,
) -> None:
    answer = await monitoring.http.get("/v1/map", params={"period": "all"})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert len(body["villages"]) == 309 and len(body["kecamatan"]) == 30
    shades = {v["code"]: v["shade"] for v in body["villages"]}
    assert shades["32.15.01.1001"] == "not_active" or shades["32.15.01.1001"].startswith("s")
    page = (await monitoring.http.get("/peta", params={"measure": "sla_compliance"})).text
    links = re.findall(
        r'<a href="/puskesos/([\d.]+)\?[^"]*" aria-label="([^"]+)"><path class="v ', page
    )
    assert len(links) == 309
    assert {code for code, _ in links} == set(shades)
    unknown = await monitoring.http.get("/peta", params={"measure": "happiness"})
    assert unknown.status_code == 422 and unknown.json()["error"]["code"] == "invalid_measure"


async def test_the_guide_gives_this_deployments_numbers(monitoring: Monitoring) -> None:
    bahasa = (await monitoring.http.get("/cara-membaca")).text
    assert "paling sedikit 5 pengaduan" in bahasa and "(n + 5)" in bahasa
    english = (await monitoring.http.get("/cara-membaca", params={"lang": "en"})).text
    assert "at least 5 complaints" in english and "What this ranking cannot say" in english


async def test_a_bulletin_pdf_without_a_renderer_is_a_coded_error_not_a_broken_file() -> None:
    # Never opened: the renderer is looked for before anything is read.
    unused = "postgresql://nobody@127.0.0.1:9/none"
    _, app = build(MonitoringSettings(database_url=unused, pdf_chromium="no-such-chromium-here"))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://monitoring") as client:
        answer = await client.get("/buletin.pdf", headers={"Accept-Language": "en"})
        assert answer.status_code == 503
        assert answer.headers["content-type"].startswith("application/json")
        assert answer.json()["error"]["code"] == "pdf_unavailable"
        bahasa = await client.get("/buletin.pdf")
        assert "Pencetak PDF tidak tersedia" in bahasa.text
        weekly = await client.get("/buletin", params={"period": "rolling-30d"})
        assert weekly.status_code == 422 and weekly.json()["error"]["code"] == "invalid_period"
