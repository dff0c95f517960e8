"""One source of truth: an agency registered with the gateway's command line can be routed to.

The gateway's registry announces it on directory.agencies, so referral accepts a rule naming it;
referral announces each rule change on routing.rules, so the gateway's directory shows the
rules in force.
"""

from __future__ import annotations

import secrets
import subprocess
import sys
from typing import Any

import httpx
import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.integration]

KECAMATAN = "32.15.21"  # Majalaya: no other end-to-end test routes there
VILLAGE = "32.15.21.2001"
SERVICE = "LANSIA"


def gateway_command(platform, *argv: str) -> str:  # type: ignore[no-untyped-def]
    """Run `python -m gateway ...` as the district's admin would, on the platform's gateway."""
    result = subprocess.run(
        [sys.executable, "-m", "gateway", *argv],
        env=platform.envs["agency-gateway"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def admin(platform) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {"Authorization": f"Bearer {platform.creds['admin']}"}


def save_override(platform, agencies: list[str]) -> httpx.Response:  # type: ignore[no-untyped-def]
    return httpx.put(
        f"{platform.urls['referral']}/v1/rules/{SERVICE}/kecamatan/{KECAMATAN}",
        headers=admin(platform),
        json={"agencies": agencies, "sla_working_days": 4},
    )


def listed_under(platform, agency: str) -> dict[str, str] | None:  # type: ignore[no-untyped-def]
    """The directory's attributes of SERVICE under an agency; None if it is not listed there."""
    directory = httpx.get(f"{platform.urls['agency-gateway']}/v1/directory").json()
    for organization in directory["organizations"]:
        if organization["alternate_name"] != agency:
            continue
        for service in organization["services"]:
            if service["alternate_name"] == SERVICE:
                return {a["tag"]: a["value"] for a in service["attributes"]}
    return None


def test_a_registered_agency_is_routed_to_and_the_directory_shows_the_rules_in_force(
    platform, eventually
) -> None:
    code = "DINSOS" + secrets.token_hex(2).upper()
    out = gateway_command(
        platform,
        "agencies",
        "register",
        code,
        "--name-id",
        "Dinas Sosial Majalaya",
        "--name-en",
        "Majalaya Social Affairs",
    )
    assert out.startswith(f"registered {code}")
    key = gateway_command(platform, "keys", "issue", code).split("key: ", 1)[1].split()[0]

    # Referral learns of the agency from directory.agencies: a rule may now name it.
    saved = eventually(lambda: (r := save_override(platform, [code, "DINSOS"])).is_success and r)
    assert saved.json()["agencies"] == [code, "DINSOS"]
    position = f"routing_position:{KECAMATAN}"
    assert eventually(lambda: (listed_under(platform, code) or {}).get(position) == "1")

    accepted = platform.register(
        {
            "village_code": VILLAGE,
            "needs": [SERVICE],
            "description": "Lansia hidup sendiri, butuh pendampingan.",
            "channel": "walk_in",
            "recorded_at": "2025-06-26T09:15:00+07:00",
            "resident": {"nik": "3215210107800001", "name": "Mbah Sarinah"},
        }
    )

    def seen_by_the_new_agency() -> list[dict[str, Any]]:
        answer = httpx.get(
            f"{platform.urls['agency-gateway']}/v1/referrals",
            headers={"Authorization": f"Bearer {key}"},
        )
        assert answer.status_code == 200, answer.text
        items: list[dict[str, Any]] = answer.json()["items"]
        return [r for r in items if r["complaint_id"] == accepted["complaint_id"]]

    (referral,) = eventually(seen_by_the_new_agency)
    assert referral["service_code"] == SERVICE

    # A changed order reaches the directory; a removed override leaves it.
    assert save_override(platform, ["DINSOS", code]).status_code == 200
    assert eventually(lambda: (listed_under(platform, code) or {}).get(position) == "2")
    assert (listed_under(platform, "DINSOS") or {}).get(position) == "1"
    removed = httpx.delete(
        f"{platform.urls['referral']}/v1/rules/{SERVICE}/kecamatan/{KECAMATAN}",
        headers=admin(platform),
    )
    assert removed.status_code == 204
    assert eventually(lambda: listed_under(platform, code) is None)
    assert (listed_under(platform, "DINSOS") or {}).get("routing_position") == "1"
