"""A resident reopens a closed complaint with the code from registration, and rates it.

On the real stack: the agency's outcome that was not `resolved` goes back to the same agency as
a new referral (the gateway lists it), the complaint closes again once it has its outcome, and
the resident's verdict is taken; a wrong code and a reopening after the window are refused.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

import asyncpg
import httpx
import pytest

from .conftest import referrals_of

pytestmark = [pytest.mark.e2e, pytest.mark.integration]

VILLAGE = "32.15.09.2004"


def complaint(needs: list[str]) -> dict[str, object]:
    return {
        "village_code": VILLAGE,
        "needs": needs,
        "description": "Kartu PBI tidak aktif; KK rusak.",
        "channel": "walk_in",
        "recorded_at": "2025-06-26T09:15:00+07:00",
        "resident": {"nik": "3215094107800001", "name": "Dewi Lestari"},
    }


def resolve(platform, agency: str, referral_id: str, outcome: str) -> None:  # type: ignore[no-untyped-def]
    answer = httpx.post(
        f"{platform.urls['agency-gateway']}/v1/referrals/{referral_id}/resolve",
        headers={**platform.agency(agency), "Idempotency-Key": str(uuid.uuid4())},
        json={"outcome": outcome},
    )
    assert answer.status_code == 200, answer.text


def track(platform, ticket: str) -> dict:  # type: ignore[no-untyped-def]
    answer = httpx.get(f"{platform.urls['intake']}/v1/track/{ticket}")
    assert answer.status_code == 200, answer.text
    return answer.json()  # type: ignore[no-any-return]


def post(platform, ticket: str, action: str, body: dict[str, object]) -> httpx.Response:  # type: ignore[no-untyped-def]
    return httpx.post(f"{platform.urls['intake']}/v1/track/{ticket}/{action}", json=body)


def test_a_resident_reopens_the_partial_need_which_goes_back_and_closes_again(
    platform, eventually
) -> None:
    accepted = platform.register(complaint(["JKN-PBI", "ADMINDUK"]))
    complaint_id, ticket, code = (
        accepted["complaint_id"],
        accepted["ticket"],
        accepted["resident_code"],
    )
    assert code
    [pbi] = eventually(lambda: referrals_of(platform, "DINSOS", complaint_id))
    [kk] = eventually(lambda: referrals_of(platform, "DISDUKCAPIL", complaint_id))
    resolve(platform, "DINSOS", pbi["referral_id"], "partially_resolved")
    resolve(platform, "DISDUKCAPIL", kk["referral_id"], "resolved")
    closed = eventually(lambda: (t := track(platform, ticket))["status"] == "closed" and t)
    # Ten working days on referral's calendar: at least two weeks ahead.
    until = datetime.fromisoformat(closed["reopen_until"])
    assert until > datetime.now(UTC) + timedelta(days=13)

    wrong = post(platform, ticket, "reopen", {"code": "AAAA-AAAA", "reason": "hanya_sebagian"})
    assert (wrong.status_code, wrong.json()["error"]["code"]) == (403, "wrong_resident_code")
    assert track(platform, ticket)["status"] == "closed"

    reopened = post(
        platform, ticket, "reopen", {"code": code, "reason": "hanya_sebagian", "note": "PBI belum"}
    )
    assert reopened.status_code == 201, reopened.text
    assert reopened.json()["reopening"] == 1

    # The partial need goes back to DINSOS as a new referral; the resolved one does not.
    both = eventually(lambda: len(r := referrals_of(platform, "DINSOS", complaint_id)) == 2 and r)
    [again] = [r for r in both if r["referral_id"] != pbi["referral_id"]]
    assert (again["service_code"], again["attempt"], again["status"]) == (
        "JKN-PBI",
        2,
        "dispatched",
    )
    assert len(referrals_of(platform, "DISDUKCAPIL", complaint_id)) == 1
    tracked = track(platform, ticket)
    assert tracked["status"] != "closed" and tracked["reopenings"] == 1

    resolve(platform, "DINSOS", again["referral_id"], "resolved")
    closed_again = eventually(
        lambda: (t := track(platform, ticket))["status"] == "closed" and t["reopen_until"] and t
    )
    kinds = [step["kind"] for step in closed_again["timeline"]]
    assert kinds.count("closed") == 2 and kinds.count("reopened") == 1
    assert kinds[-1] == "closed"
    case = httpx.get(
        f"{platform.urls['referral']}/v1/cases/{complaint_id}", headers=platform.district()
    ).json()
    assert case["status"] == "closed" and len(case["referrals"]) == 3

    rated = post(platform, ticket, "feedback", {"code": code, "solved": "yes", "rating": 5})
    assert rated.status_code == 201, rated.text
    assert rated.json()["revision"] == 1

    # The reopening and the verdict reach monitoring through Kafka: the Puskesos's report card.
    def counted() -> dict[str, object] | None:
        card = httpx.get(f"{platform.urls['monitoring']}/v1/puskesos/{VILLAGE}").json()
        said = card.get("verdicts") or {}
        return said if said.get("verdicts", 0) >= 1 and said.get("reopened", 0) >= 1 else None

    said = eventually(counted)
    assert said["mean_rating"] is not None and said["reopen_rate"] is not None


def test_a_reopening_after_the_window_is_refused(platform, eventually) -> None:
    accepted = platform.register(complaint(["KESEHATAN"]))
    complaint_id, ticket = accepted["complaint_id"], accepted["ticket"]
    [referral] = eventually(lambda: referrals_of(platform, "DINKES", complaint_id))
    resolve(platform, "DINKES", referral["referral_id"], "unresolvable")
    eventually(lambda: track(platform, ticket)["status"] == "closed")
    # The ten working days pass: the window referral sent ends a minute ago.
    asyncio.run(_window_ends(platform, complaint_id))
    late = post(
        platform, ticket, "reopen", {"code": accepted["resident_code"], "reason": "belum_selesai"}
    )
    assert (late.status_code, late.json()["error"]["code"]) == (409, "reopen_window_passed")
    assert track(platform, ticket)["status"] == "closed"
    assert len(referrals_of(platform, "DINKES", complaint_id)) == 1


async def _window_ends(platform, complaint_id: str) -> None:  # type: ignore[no-untyped-def]
    conn = await asyncpg.connect(platform.env.dsns["intake"])
    try:
        await conn.execute(
            "UPDATE complaints SET reopen_until = now() - interval '1 minute' WHERE id = $1",
            uuid.UUID(complaint_id),
        )
    finally:
        await conn.close()
