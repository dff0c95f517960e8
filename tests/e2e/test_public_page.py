"""The page a Bupati can announce from, on the real stack and in a real browser.

The data is made through the services: a Puskesos registers a backdated offline batch that
nobody closes, and the agency it is referred to rejects every referral, so the village is
flagged and the agency too; two dozen other Puskesos register complaints (some late) and
DISDUKCAPIL closes a varying part of them, so the map shows a range. A second regency is
served by one more monitoring process.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from slrt_devstack import processes, services
from slrt_shared import reference

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

pytestmark = [pytest.mark.e2e, pytest.mark.integration]

POOR = "32.15.25.2006"
POOR_NAME = "Jomin Timur"
BATCH = 10
# PIP goes to DISDIK first (KEMENAG after a rejection): an agency few other tests refer to.
AGENCY = "DISDIK"
SECOND_REGENCY = "33.24"
RESIDENTS = (
    "Sumiati",
    "Karsih",
    "Dedeh",
    "Entin",
    "Wartini",
    "Casmini",
    "Tarsih",
    "Onah",
    "Cucu",
    "Iyah",
)
# Villages other tests register in, left to them.
TAKEN = {POOR, "32.15.13.2001", "32.15.03.2001", "32.15.01.1001", "32.15.01.1003"}


def complaint(number: int) -> dict[str, Any]:
    """One complaint of an offline batch entered long after it was taken."""
    return {
        "village_code": POOR,
        "needs": ["PIP"],
        "description": "Anak belum menerima PIP.",
        "channel": "home_visit",
        "recorded_at": "2025-06-26T09:15:00+07:00",
        "resident": {
            "nik": f"321525410780{number + 1:04d}",
            "name": RESIDENTS[number],
            "phone": f"0813555500{number:02d}",
        },
    }


def dispatched_to(platform, complaint_id: str, agency: str) -> dict[str, Any] | None:  # type: ignore[no-untyped-def]
    """The complaint's referral dispatched to the agency, as referral's case file shows it."""
    case = httpx.get(
        f"{platform.urls['referral']}/v1/cases/{complaint_id}", headers=platform.district()
    )
    if case.status_code != 200:
        return None
    found = [
        r
        for r in case.json()["referrals"]
        if r["agency_code"] == agency and r["status"] == "dispatched"
    ]
    return found[0] if found else None


def acted(platform, agency: str, referral_id: str, action: str, body: dict[str, str]) -> bool:  # type: ignore[no-untyped-def]
    """The agency acts on the referral: False while the gateway has not received it yet."""
    answer = httpx.post(
        f"{platform.urls['agency-gateway']}/v1/referrals/{referral_id}/{action}",
        headers={**platform.agency(agency), "Idempotency-Key": str(uuid.uuid4())},
        json=body,
    )
    assert answer.status_code in (200, 404), answer.text
    return answer.status_code == 200


def variety_villages() -> list[str]:
    """Two dozen villages spread over the regency."""
    codes = sorted(v.code for v in reference.villages("32.15"))
    return [c for c in codes[5::12] if c not in TAKEN][:24]


@pytest.fixture(scope="module")
def variety(platform) -> list[str]:  # type: ignore[no-untyped-def]
    """Villages registering 5 or 6 complaints (every third a day late), some of them closed."""
    now = datetime.now(UTC)
    plan = []
    for i, village in enumerate(variety_villages()):
        count = 5 + i % 2
        late = i % 3 == 0
        ids = []
        for n in range(count):
            kecamatan = village.split(".")[2]
            body = {
                "village_code": village,
                "needs": ["ADMINDUK"],
                "description": "Akta kelahiran anak belum ada.",
                "channel": "walk_in",
                "recorded_at": (now - timedelta(days=3 if late else 0, hours=1)).isoformat(),
                "resident": {
                    "nik": f"3215{kecamatan}5{n + 1}0{i % 9 + 1}88{i:02d}{n + 1:02d}",
                    "name": RESIDENTS[(i + n) % len(RESIDENTS)],
                    "phone": f"08126{i:03d}{n:03d}",
                },
            }
            ids.append(platform.register(body)["complaint_id"])
        plan.append((village, ids[: i % (count + 1)]))
    for _, closing in plan:
        for complaint_id in closing:
            referral = _eventually(
                lambda c=complaint_id: dispatched_to(platform, c, "DISDUKCAPIL"), timeout=60
            )
            _eventually(
                lambda r=referral["referral_id"]: acted(
                    platform, "DISDUKCAPIL", r, "resolve", {"outcome": "resolved"}
                ),
                timeout=60,
            )
    return [village for village, _ in plan]


@pytest.fixture(scope="module")
def flagged(platform, variety) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """A village flagged through the services, and the agency that rejected its referrals."""
    # All registered first, then each rejected: the pipeline carries the ten side by side.
    complaint_ids = [platform.register(complaint(n))["complaint_id"] for n in range(BATCH)]
    for complaint_id in complaint_ids:
        referral = _eventually(
            lambda complaint_id=complaint_id: dispatched_to(platform, complaint_id, AGENCY),
            timeout=60,
        )
        _eventually(
            lambda r=referral["referral_id"]: acted(
                platform, AGENCY, r, "reject", {"reason_code": "bukan_kewenangan"}
            ),
            timeout=60,
        )

    def listed() -> dict[str, Any] | None:
        body: dict[str, Any] = httpx.get(f"{platform.urls['monitoring']}/v1/underperformers").json()
        villages = {v["code"]: v for v in body["villages"]}
        agencies = {a["code"]: a for a in body["agencies"]}
        poor, agency = villages.get(POOR), agencies.get(AGENCY)
        # the rejections reach monitoring after the complaints: wait for every one of them
        rejected = ((agency or {}).get("reason") or {}).get("bad", 0)
        if poor and poor["received"] == BATCH and agency and rejected >= BATCH:
            return {"village": poor, "agency": agency}
        return None

    found: dict[str, Any] = _eventually(listed, timeout=60)
    return found


@pytest.fixture(scope="module")
def two_regencies(platform) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """One more monitoring process serving Karawang and Kendal (seeded for Kendal); its URL."""
    spec = replace(platform.specs["monitoring"], member=90, port=processes.free_port())
    env = {**platform.envs["monitoring"], "MONITORING_REGENCY_CODES": f"32.15,{SECOND_REGENCY}"}
    services.seed(spec, env, platform.paths.local / "credentials.json", SECOND_REGENCY)
    services.spawn(platform.paths, spec, env)
    try:
        services.wait_ready(platform.paths, spec)
        yield spec.url
    finally:
        processes.stop_all(platform.paths, [spec.process])


def map_links(page: Any) -> list[tuple[str, str]]:
    """The (href, accessible name) of every village of the page's map."""
    links: list[tuple[str, str]] = page.eval_on_selector_all(
        "#map svg a",
        "els => els.map(a => [a.getAttribute('href'), a.getAttribute('aria-label')])",
    )
    return links


def test_the_flagged_village_and_agency_are_listed_with_their_reasons(flagged) -> None:  # type: ignore[no-untyped-def]
    assert flagged["village"]["reason"] == {"measure": "not_closed", "bad": BATCH, "whole": BATCH}
    assert flagged["village"]["months_in_a_row"] == 1
    assert flagged["agency"]["reason"]["measure"] == "rejected"
    assert flagged["agency"]["reason"]["bad"] >= BATCH


@needs_chromium
def test_the_map_the_under_performers_and_the_bulletin_in_a_real_browser(  # type: ignore[no-untyped-def]
    platform, flagged
) -> None:
    base = platform.urls["monitoring"]
    with chromium() as browser:
        for size, viewport in (("phone", PHONE_VIEWPORT), ("desktop", DESKTOP_VIEWPORT)):
            context = browser.new_context(viewport=viewport)
            outside = OutsideRequests().watch(context)
            page = context.new_page()

            page.goto(base + "/")
            under = page.inner_text("#underperformers")
            assert POOR_NAME in under and f"{BATCH} dari {BATCH} pengaduan belum selesai" in under
            assert "ditandai bulan ini" in under
            assert "rujukan ditolak" in page.inner_text("#under-agencies")
            links = map_links(page)
            assert len(links) == 309
            codes = {re.match(r"/puskesos/([\d.]+)\?", href).group(1) for href, _ in links}  # type: ignore[union-attr]
            assert len(codes) == 309
            [(_, poor_label)] = [(h, n) for h, n in links if h.startswith(f"/puskesos/{POOR}?")]
            assert poor_label.startswith(f"{POOR_NAME}: Skor ")
            assert page.locator("#map .kec path").count() == 30
            shades = page.eval_on_selector_all(
                "#map svg a path", "els => els.map(p => p.getAttribute('class'))"
            )
            assert len({s for s in shades if s.startswith("v s")}) >= 3
            assert serious_accessibility_violations(page) == []
            screenshot(page, f"public-page-{size}.png", full_page=size == "phone")

            page.click("#lang")
            assert f"{BATCH} of {BATCH} complaints not closed" in page.inner_text(
                "#underperformers"
            )

            page.goto(base + "/peta?measure=sla_compliance")
            assert len(map_links(page)) == 309
            assert page.locator(".legend li").count() == 7
            assert serious_accessibility_violations(page) == []
            screenshot(page, f"map-{size}.png", full_page=True)
            # Keyboard: the first village is reached by Tab and opens its report card.
            first = page.locator("#map svg a").first
            href = first.get_attribute("href")
            first.focus()
            page.keyboard.press("Enter")
            page.wait_for_url(f"**{href.split('?')[0]}**")
            page.wait_for_load_state()
            assert page.locator("#card").count() == 1

            page.goto(base + "/cara-membaca")
            assert "paling sedikit 5 pengaduan" in page.inner_text("main")
            assert serious_accessibility_violations(page) == []

            page.goto(base + "/buletin")
            assert POOR_NAME in page.inner_text("#underperformers")
            assert len(map_links(page)) == 309
            assert serious_accessibility_violations(page) == []
            page.emulate_media(media="print")
            screenshot(page, f"bulletin-{size}.png", full_page=True)
            assert outside == []
            context.close()

    pdf = httpx.get(base + page_pdf_link(base), timeout=120)
    assert pdf.status_code == 200, pdf.text
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-") and b"%%EOF" in pdf.content[-1024:]
    pages = len(re.findall(rb"/Type\s*/Page(?!s)", pdf.content))
    assert 1 <= pages <= 8
    assert 20_000 < len(pdf.content) < 5_000_000


def page_pdf_link(base: str) -> str:
    """The bulletin's PDF link, as the bulletin page gives it."""
    html = httpx.get(base + "/buletin").text
    found = re.search(r'<a href="([^"]+)" id="pdf">', html)
    assert found, "the bulletin links no PDF"
    return found.group(1).replace("&amp;", "&")


@needs_chromium
def test_a_visitor_picks_the_regency_and_its_map(two_regencies) -> None:  # type: ignore[no-untyped-def]
    with chromium() as browser:
        for size, viewport in (("phone", PHONE_VIEWPORT), ("desktop", DESKTOP_VIEWPORT)):
            context = browser.new_context(viewport=viewport)
            outside = OutsideRequests().watch(context)
            page = context.new_page()
            page.goto(two_regencies + "/")
            assert len(map_links(page)) == 309
            page.select_option("select[name=regency]", SECOND_REGENCY)
            page.click("button[type=submit]")
            page.wait_for_url(f"**regency={SECOND_REGENCY}**")
            assert "Kendal" in page.title()
            assert len(map_links(page)) == 286
            assert page.locator("#ranking tbody tr").count() == 286
            assert serious_accessibility_violations(page) == []
            page.goto(two_regencies + f"/peta?regency={SECOND_REGENCY}")
            assert len(map_links(page)) == 286
            assert all(href.startswith("/puskesos/33.24.") for href, _ in map_links(page))
            screenshot(page, f"map-kendal-{size}.png")
            assert outside == []
            context.close()
