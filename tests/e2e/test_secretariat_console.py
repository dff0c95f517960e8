"""The secretariat's console in a real browser on the real stack.

At phone and desktop size: a named secretariat person signs in with their personal token, finds
a LAINNYA complaint waiting at the secretariat, extends its due date with a reason (the referral
service shows the new date and the history names the person), switches to English; a kecamatan
person sees only their kecamatan's escalations. Nothing is loaded from outside, axe-core finds
nothing serious.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import httpx
import pytest

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

VILLAGES = {"phone": "32.15.19.2001", "desktop": "32.15.19.2002"}
SIZES = {"phone": PHONE_VIEWPORT, "desktop": DESKTOP_VIEWPORT}


def complaint(village: str) -> dict[str, Any]:
    return {
        "village_code": village,
        "needs": ["LAINNYA"],
        "description": "Jalan desa rusak berat dan warga lansia sulit ke puskesmas.",
        "channel": "walk_in",
        "recorded_at": "2026-11-30T09:15:00+07:00",
        "resident": {"nik": "3215194107800031", "name": "Sukarni"},
    }


def issue(platform: Any, kind: str, area: str, name: str) -> str:
    answer = httpx.post(
        f"{platform.urls['referral']}/v1/admin/staff",
        json={"kind": kind, "area_code": area, "name": name},
        headers={"Authorization": f"Bearer {platform.creds['admin']}"},
    )
    assert answer.status_code == 201, answer.text
    return str(answer.json()["token"])


def waiting_referral(platform: Any, complaint_id: str) -> dict[str, Any] | None:
    """The complaint's referral once referral has routed it."""
    answer = httpx.get(
        f"{platform.urls['referral']}/v1/cases/{complaint_id}", headers=platform.district()
    )
    if answer.status_code != 200 or not answer.json()["referrals"]:
        return None
    return answer.json()["referrals"][0]  # type: ignore[no-any-return]


def wait_status(page: Any, text: str) -> None:
    page.wait_for_function(
        "t => document.getElementById('status').textContent.includes(t)", arg=text
    )


@needs_chromium
@pytest.mark.parametrize("size", sorted(SIZES, reverse=True))
def test_the_secretariat_extends_a_lainnya_referral_in_a_real_browser(platform, size: str) -> None:  # type: ignore[no-untyped-def]
    village = VILLAGES[size]
    accepted = platform.register(complaint(village))
    referral = _eventually(lambda: waiting_referral(platform, accepted["complaint_id"]), 60)
    assert referral["agency_code"] == "SLRT"
    secretariat = issue(platform, "secretariat", "32.15", "Siti Rahayu")
    kecamatan = issue(platform, "kecamatan", village.rsplit(".", 1)[0], "Bambang Hartono")
    due = datetime.fromisoformat(referral["due_at"])
    new_due = (due + timedelta(days=10)).date()

    with chromium() as browser:
        # axe-core is injected as an inline script, which the console's policy forbids.
        context = browser.new_context(viewport=SIZES[size], bypass_csp=True)
        outside = OutsideRequests().watch(context)
        page = context.new_page()
        page.goto(platform.urls["referral"] + "/console/")
        assert page.locator("label[for=token]").inner_text() == "Token petugas"
        assert serious_accessibility_violations(page) == []
        screenshot(page, f"console-signin-{size}.png")

        page.fill("#token", secretariat)
        page.press("#token", "Enter")
        page.wait_for_selector("#app", state="visible")
        opener = page.locator(f"#q-waiting button[aria-label='Buka {accepted['ticket']} LAINNYA']")
        opener.wait_for()
        assert page.locator("#q-overdue").is_visible()
        assert page.locator("#q-escalated").is_visible()
        assert serious_accessibility_violations(page) == []
        screenshot(page, f"console-queues-{size}.png", full_page=True)

        opener.click()
        page.wait_for_selector("#detail", state="visible")
        assert "LAINNYA → SLRT" in page.inner_text("#detail-title")
        # A reason is required: refused with the catalogue's text, nothing changed.
        page.fill("#x-date", new_due.isoformat())
        page.click("#extend-form button[type=submit]")
        wait_status(page, "Alasan")
        page.select_option("#x-reason", "kunjungan_lapangan")
        page.click("#extend-form button[type=submit]")
        wait_status(page, "Tenggat diperpanjang")
        page.wait_for_function(
            "() => document.getElementById('history').textContent.includes('Siti Rahayu')"
        )
        assert "Perlu kunjungan lapangan" in page.inner_text("#history")
        assert serious_accessibility_violations(page) == []
        screenshot(page, f"console-extended-{size}.png", full_page=True)

        stored = waiting_referral(platform, accepted["complaint_id"])
        assert stored is not None
        assert datetime.fromisoformat(stored["due_at"]).date() == new_due
        assert date.fromisoformat(new_due.isoformat()) > due.date()

        page.click("#lang")
        assert page.inner_text("h1") == "SLRT Secretariat Console"
        assert page.locator("label[for=x-reason]").inner_text() == "Reason"
        assert serious_accessibility_violations(page) == []
        assert outside == []
        context.close()

        # Kecamatan staff: their kecamatan's escalations only, never the secretariat's queue.
        context = browser.new_context(viewport=SIZES[size], bypass_csp=True)
        outside = OutsideRequests().watch(context)
        page = context.new_page()
        page.goto(platform.urls["referral"] + "/console/")
        page.fill("#token", kecamatan)
        page.press("#token", "Enter")
        page.wait_for_selector("#q-escalated", state="visible")
        assert page.locator("#q-waiting").is_hidden() and page.locator("#q-overdue").is_hidden()
        assert accepted["ticket"] not in page.inner_text("#app")
        assert serious_accessibility_violations(page) == []
        screenshot(page, f"console-kecamatan-{size}.png", full_page=True)
        assert outside == []
        context.close()
