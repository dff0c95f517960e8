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


ACTION_VILLAGES = {"phone": "32.15.19.2003", "desktop": "32.15.19.2004"}
NOTE = "Warga diminta datang lagi hari Kamis membawa kartu keluarga."


def case_of(platform: Any, complaint_id: str) -> dict[str, Any]:
    answer = httpx.get(
        f"{platform.urls['referral']}/v1/cases/{complaint_id}", headers=platform.district()
    )
    assert answer.status_code == 200, answer.text
    return answer.json()  # type: ignore[no-any-return]


def wait_history(page: Any, text: str) -> None:
    page.wait_for_function(
        "t => document.getElementById('history').textContent.includes(t)", arg=text
    )


@needs_chromium
@pytest.mark.parametrize("size", sorted(SIZES, reverse=True))
def test_the_secretariat_triages_reroutes_and_notes_a_case_in_a_real_browser(  # type: ignore[no-untyped-def]
    platform, size: str
) -> None:
    accepted = platform.register(complaint(ACTION_VILLAGES[size]))
    referral = _eventually(lambda: waiting_referral(platform, accepted["complaint_id"]), 60)
    assert referral["agency_code"] == "SLRT"
    secretariat = issue(platform, "secretariat", "32.15", "Dewi Lestari")

    with chromium() as browser:
        context = browser.new_context(viewport=SIZES[size], bypass_csp=True)
        outside = OutsideRequests().watch(context)
        page = context.new_page()
        page.goto(platform.urls["referral"] + "/console/")
        page.fill("#token", secretariat)
        page.press("#token", "Enter")
        opener = page.locator(f"#q-waiting button[aria-label='Buka {accepted['ticket']} LAINNYA']")
        opener.wait_for()
        opener.click()
        page.wait_for_selector("#triage-form", state="visible")
        assert page.locator("label[for=t-service]").inner_text() == "Layanan"
        assert page.locator("#resolve-form").is_visible()

        # Triage: without a service, a coded refusal (nothing changed); then PKH, its agency
        # left to the service's rule (DINSOS).
        page.click("#triage-form button[type=submit]")
        wait_status(page, "Layanan")
        page.select_option("#t-service", "PKH")
        page.click("#triage-form button[type=submit]")
        wait_status(page, "Kebutuhan diteruskan")
        page.wait_for_function(
            "() => document.getElementById('detail-title').textContent.includes('PKH → DINSOS')"
        )
        wait_history(page, "Diteruskan → PKH · DINSOS")
        assert page.locator("#triage-form").is_hidden()

        # Re-route, by keyboard alone: re-routing to the same agency is refused, then PKH's
        # coordinator with a reason.
        page.select_option("#r-agency", "DINSOS")
        page.select_option("#r-reason", "salah_instansi")
        page.focus("#r-reason")
        page.keyboard.press("Tab")
        page.keyboard.press("Enter")
        wait_status(page, "DINSOS")
        page.select_option("#r-agency", "PKH")
        page.select_option("#r-reason", "salah_instansi")
        page.focus("#r-reason")
        page.keyboard.press("Tab")
        page.keyboard.press("Enter")
        wait_status(page, "Rujukan dialihkan")
        page.wait_for_function(
            "() => document.getElementById('detail-title').textContent.includes('PKH → PKH')"
        )
        wait_history(page, "Ditarik dari instansi → PKH")

        # A note, typed and saved with the keyboard.
        page.focus("#n-text")
        page.keyboard.type(NOTE)
        page.keyboard.press("Tab")
        page.keyboard.press("Enter")
        wait_status(page, "Catatan disimpan")
        wait_history(page, NOTE)
        history = page.inner_text("#history")
        assert history.index("Diteruskan") < history.index("Ditarik") < history.index(NOTE)
        assert history.count("Dewi Lestari") == 3
        assert serious_accessibility_violations(page) == []
        screenshot(page, f"console-actions-{size}.png", full_page=True)

        page.click("#lang")
        assert page.locator("label[for=r-agency]").inner_text() == "Agency to send to"
        wait_history(page, "Sent on → PKH")
        assert serious_accessibility_violations(page) == []
        assert outside == []
        context.close()

    # The case read says the same: the need lives on as PKH at the coordinator, the history whole.
    case = case_of(platform, accepted["complaint_id"])
    assert [a["action"] for a in case["actions"]] == ["triaged", "withdrawn", "note_added"]
    assert case["actions"][-1]["note"] == NOTE
    current = [r for r in case["referrals"] if r["current"]]
    assert [(r["service_code"], r["agency_code"], r["status"]) for r in current] == [
        ("PKH", "PKH", "dispatched")
    ]
