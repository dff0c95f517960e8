"""DTSEN data proposals sent through intake's own endpoint, across the four processes: a removal
(reason meninggal) through its three stages to acceptance, one sent back at the completeness
check and completed by the operator then accepted, one rejected at the decision with a reason
code; the operator's and the district's list show each one's stage and decision."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from .test_dtsen_stages import act, case, closed, stage_at

pytestmark = [pytest.mark.e2e, pytest.mark.integration]

VILLAGE = "32.15.02.2002"


def propose(platform, body: dict[str, Any]) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    answer = httpx.post(
        f"{platform.urls['intake']}/v1/data-proposals",
        json=body,
        headers={**platform.operator(VILLAGE), "Idempotency-Key": str(uuid.uuid4())},
    )
    assert answer.status_code == 201, answer.text
    return answer.json()  # type: ignore[no-any-return]


def body(kind: str = "penghapusan", **changes: Any) -> dict[str, Any]:
    return {
        "kind": kind,
        "removal_reason": "meninggal" if kind == "penghapusan" else None,
        "deliberation_date": datetime.now(ZoneInfo("Asia/Jakarta")).date().isoformat(),
        "kk_number": f"3215020202{uuid.uuid4().int % 10**6:06d}",
        "head_nik": f"32150241078{uuid.uuid4().int % 9000 + 1000:05d}",
        "head_name": "Ahmad Suryana",
        "detail": "Berita acara musdes terlampir.",
    } | changes


def listed(platform, headers: dict[str, str]) -> dict[str, dict[str, Any]]:  # type: ignore[no-untyped-def]
    answer = httpx.get(
        f"{platform.urls['intake']}/v1/data-proposals", headers=headers, params={"limit": 200}
    )
    assert answer.status_code == 200, answer.text
    return {p["complaint_id"]: p for p in answer.json()["items"]}


def standing(platform, complaint_id: str) -> tuple[Any, ...]:  # type: ignore[no-untyped-def]
    found = listed(platform, platform.operator(VILLAGE))[complaint_id]
    stage = found["stage"]
    return (
        stage and stage["code"],
        found["waiting_at_village"],
        found["decision"],
        found["decision_reason"],
    )


def village_proposals(platform) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """The village's DTSEN proposal counts on monitoring's report card (this year)."""
    card = httpx.get(f"{platform.urls['monitoring']}/v1/puskesos/{VILLAGE}")
    assert card.status_code == 200, card.text
    counts: dict[str, Any] = card.json()["programmes"]["data_proposals"]
    return counts


def test_three_proposals_through_their_stages_as_the_list_shows_them(  # type: ignore[no-untyped-def]
    platform, eventually
) -> None:
    before = village_proposals(platform)
    removal, sent_back, refused = (
        propose(platform, body()),
        propose(platform, body("baru")),
        propose(platform, body("perubahan", detail="Anggota keluarga bertambah satu jiwa.")),
    )
    ids = [p["complaint_id"] for p in (removal, sent_back, refused)]
    firsts = [stage_at(platform, eventually, "DINSOS", c, 1) for c in ids]
    eventually(lambda: all(standing(platform, c)[0] == "kelengkapan" for c in ids))

    # The removal: each stage's agency resolves it.
    act(platform, "DINSOS", firsts[0]["referral_id"], "resolve", {"outcome": "resolved"})
    second = stage_at(platform, eventually, "PKH", ids[0], 1)
    eventually(lambda: standing(platform, ids[0])[0] == "verifikasi")
    act(platform, "PKH", second["referral_id"], "resolve", {"outcome": "resolved"})
    third = stage_at(platform, eventually, "DINSOS", ids[0], 2)
    act(platform, "DINSOS", third["referral_id"], "resolve", {"outcome": "resolved"})
    closed(platform, eventually, removal["ticket"])
    eventually(lambda: standing(platform, ids[0]) == ("keputusan", False, "accepted", None))

    # The new household: sent back at the completeness check, completed, then accepted.
    act(
        platform,
        "DINSOS",
        firsts[1]["referral_id"],
        "reject",
        {"reason_code": "data_tidak_lengkap", "reason": "Berita acara belum ditandatangani."},
    )
    eventually(lambda: standing(platform, ids[1]) == ("kelengkapan", True, None, None))
    completion = httpx.post(
        f"{platform.urls['intake']}/v1/complaints/{ids[1]}/completion",
        headers=platform.operator(VILLAGE),
        json={"service_code": "DTSEN", "need_detail": "Berita acara ditandatangani 12 Juni."},
    )
    assert completion.status_code == 200, completion.text
    again = stage_at(platform, eventually, "DINSOS", ids[1], 2)
    eventually(lambda: standing(platform, ids[1]) == ("kelengkapan", False, None, None))
    act(platform, "DINSOS", again["referral_id"], "resolve", {"outcome": "resolved"})
    verified = stage_at(platform, eventually, "PKH", ids[1], 1)
    act(platform, "PKH", verified["referral_id"], "resolve", {"outcome": "resolved"})
    decided = stage_at(platform, eventually, "DINSOS", ids[1], 3)
    act(platform, "DINSOS", decided["referral_id"], "resolve", {"outcome": "resolved"})
    closed(platform, eventually, sent_back["ticket"])
    eventually(lambda: standing(platform, ids[1]) == ("keputusan", False, "accepted", None))

    # The change: rejected at the decision with a reason code.
    act(platform, "DINSOS", firsts[2]["referral_id"], "resolve", {"outcome": "resolved"})
    checked = stage_at(platform, eventually, "PKH", ids[2], 1)
    act(platform, "PKH", checked["referral_id"], "resolve", {"outcome": "resolved"})
    last = stage_at(platform, eventually, "DINSOS", ids[2], 2)
    act(
        platform,
        "DINSOS",
        last["referral_id"],
        "reject",
        {"reason_code": "tidak_memenuhi_syarat", "reason": "Tidak memenuhi kriteria."},
    )
    closed(platform, eventually, refused["ticket"])
    eventually(
        lambda: (
            standing(platform, ids[2]) == ("keputusan", False, "rejected", "tidak_memenuhi_syarat")
        )
    )
    assert case(platform, ids[2])["referrals"][-1]["outcome"] == "unresolvable"

    # District staff read the same in the regency's list; the list holds no NIK or KK.
    district = listed(platform, platform.district())
    assert [district[c]["decision"] for c in ids] == ["accepted", "accepted", "rejected"]
    assert [district[c]["kind"] for c in ids] == ["penghapusan", "baru", "perubahan"]
    assert district[ids[0]]["removal_reason"] == "meninggal"
    page = httpx.get(f"{platform.urls['intake']}/v1/data-proposals", headers=platform.district())
    assert "Ahmad Suryana" not in page.text and "3215020202" not in page.text

    # Monitoring learnt the same through Kafka alone: the report card counts the three, two
    # accepted and one rejected, by kind, and the days each of the three stages took.
    def counted() -> dict[str, Any] | None:
        now = village_proposals(platform)
        return now if now["accepted"] - before["accepted"] == 2 else None

    after = eventually(counted, timeout=60)
    assert after["received"] - before["received"] == 3
    assert after["rejected"] - before["rejected"] == 1
    for kind in ("penghapusan", "baru", "perubahan"):
        assert after["by_kind"].get(kind, 0) - before["by_kind"].get(kind, 0) == 1, after
    assert after["removal_reasons"].get("meninggal", 0) >= 1
    assert [s["stage"] for s in after["stages"]] == ["kelengkapan", "verifikasi", "keputusan"]
    assert all(s["ended"] >= 3 for s in after["stages"]), after["stages"]
