"""A DTSEN data proposal passes its stages across the four processes: accepted after all three,
sent back to the village and completed then accepted, or rejected at the decision."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from .conftest import referrals_of

pytestmark = [pytest.mark.e2e, pytest.mark.integration]

VILLAGE = "32.15.02.2001"


def proposal(platform) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return platform.register(  # type: ignore[no-any-return]
        {
            "village_code": VILLAGE,
            "needs": ["DTSEN"],
            "description": "Usulan keluarga baru ke DTSEN hasil musyawarah desa.",
            "need_details": {"DTSEN": "Keluarga baru, 4 jiwa, Dusun Krajan."},
            "channel": "walk_in",
            "recorded_at": "2025-06-26T09:15:00+07:00",
            "resident": {"nik": "3215024107800001", "name": "Siti Aminah"},
        }
    )


def act(platform, agency: str, referral_id: str, action: str, body: Any) -> None:  # type: ignore[no-untyped-def]
    answer = httpx.post(
        f"{platform.urls['agency-gateway']}/v1/referrals/{referral_id}/{action}",
        headers={**platform.agency(agency), "Idempotency-Key": str(uuid.uuid4())},
        json=body,
    )
    assert answer.status_code == 200, answer.text


def stage_at(platform, eventually, agency: str, complaint_id: str, count: int) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """The agency's `count`-th referral of the complaint, once it has it."""
    found = eventually(
        lambda: len(r := referrals_of(platform, agency, complaint_id)) >= count and r
    )
    return found[count - 1]  # type: ignore[no-any-return]


def track(platform, ticket: str) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    answer = httpx.get(f"{platform.urls['intake']}/v1/track/{ticket}")
    assert answer.status_code == 200, answer.text
    return answer.json()  # type: ignore[no-any-return]


def closed(platform, eventually, ticket: str) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    return eventually(lambda: (t := track(platform, ticket))["status"] == "closed" and t)  # type: ignore[no-any-return]


def stage_now(platform, ticket: str) -> list[tuple[str, int, bool]]:  # type: ignore[no-untyped-def]
    return [
        (s["stage"], s["index"], s["waiting_at_village"]) for s in track(platform, ticket)["stages"]
    ]


def case(platform, complaint_id: str) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    answer = httpx.get(
        f"{platform.urls['referral']}/v1/cases/{complaint_id}",
        headers={"Authorization": f"Bearer {platform.creds['admin']}"},
    )
    assert answer.status_code == 200, answer.text
    return answer.json()  # type: ignore[no-any-return]


def test_a_proposal_is_accepted_after_its_three_stages(platform, eventually) -> None:  # type: ignore[no-untyped-def]
    accepted = proposal(platform)
    complaint_id, ticket = accepted["complaint_id"], accepted["ticket"]
    first = stage_at(platform, eventually, "DINSOS", complaint_id, 1)
    eventually(lambda: stage_now(platform, ticket) == [("kelengkapan", 1, False)])
    act(platform, "DINSOS", first["referral_id"], "resolve", {"outcome": "resolved"})
    second = stage_at(platform, eventually, "PKH", complaint_id, 1)
    eventually(lambda: stage_now(platform, ticket) == [("verifikasi", 2, False)])
    act(platform, "PKH", second["referral_id"], "resolve", {"outcome": "resolved"})
    third = stage_at(platform, eventually, "DINSOS", complaint_id, 2)
    act(platform, "DINSOS", third["referral_id"], "resolve", {"outcome": "resolved"})
    tracked = closed(platform, eventually, ticket)
    assert [s["kind"] for s in tracked["timeline"]].count("referred") == 3
    outcomes = [r["outcome"] for r in case(platform, complaint_id)["referrals"]]
    assert outcomes == ["resolved", "resolved", "resolved"]


def test_a_proposal_sent_back_is_completed_at_the_village_then_accepted(
    platform, eventually
) -> None:  # type: ignore[no-untyped-def]
    accepted = proposal(platform)
    complaint_id, ticket = accepted["complaint_id"], accepted["ticket"]
    first = stage_at(platform, eventually, "DINSOS", complaint_id, 1)
    act(
        platform,
        "DINSOS",
        first["referral_id"],
        "reject",
        {"reason_code": "data_tidak_lengkap", "reason": "Berita acara musdes belum dilampirkan."},
    )
    eventually(lambda: stage_now(platform, ticket) == [("kelengkapan", 1, True)])
    completion = httpx.post(
        f"{platform.urls['intake']}/v1/complaints/{complaint_id}/completion",
        headers=platform.operator(VILLAGE),
        json={"service_code": "DTSEN", "need_detail": "Berita acara musdes 12 Juni terlampir."},
    )
    assert completion.status_code == 200, completion.text
    assert completion.json()["stage"] == "kelengkapan"
    # The same stage comes back to DINSOS, with the corrected detail.
    again = stage_at(platform, eventually, "DINSOS", complaint_id, 2)
    detail = eventually(
        lambda: (
            (
                httpx.get(
                    f"{platform.urls['agency-gateway']}/v1/referrals/{again['referral_id']}",
                    headers=platform.agency("DINSOS"),
                ).json()
            ).get("need_detail")
            == "Berita acara musdes 12 Juni terlampir."
        )
    )
    assert detail
    eventually(lambda: stage_now(platform, ticket) == [("kelengkapan", 1, False)])
    act(platform, "DINSOS", again["referral_id"], "resolve", {"outcome": "resolved"})
    second = stage_at(platform, eventually, "PKH", complaint_id, 1)
    act(platform, "PKH", second["referral_id"], "resolve", {"outcome": "resolved"})
    third = stage_at(platform, eventually, "DINSOS", complaint_id, 3)
    act(platform, "DINSOS", third["referral_id"], "resolve", {"outcome": "resolved"})
    closed(platform, eventually, ticket)
    referrals = case(platform, complaint_id)["referrals"]
    assert len(referrals) == 4 and referrals[-1]["outcome"] == "resolved"


def test_a_proposal_rejected_at_the_decision_closes_unresolvable(platform, eventually) -> None:  # type: ignore[no-untyped-def]
    accepted = proposal(platform)
    complaint_id, ticket = accepted["complaint_id"], accepted["ticket"]
    first = stage_at(platform, eventually, "DINSOS", complaint_id, 1)
    act(platform, "DINSOS", first["referral_id"], "resolve", {"outcome": "resolved"})
    second = stage_at(platform, eventually, "PKH", complaint_id, 1)
    act(platform, "PKH", second["referral_id"], "resolve", {"outcome": "resolved"})
    third = stage_at(platform, eventually, "DINSOS", complaint_id, 2)
    act(
        platform,
        "DINSOS",
        third["referral_id"],
        "reject",
        {"reason_code": "tidak_memenuhi_syarat", "reason": "Tidak memenuhi kriteria."},
    )
    closed(platform, eventually, ticket)
    last = case(platform, complaint_id)["referrals"][-1]
    assert (last["status"], last["outcome"]) == ("rejected", "unresolvable")
