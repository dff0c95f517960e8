"""PKH graduations on the real stack: district staff register two facilitators and the year's
target, a village operator proposes three households, PKH's coordinator confirms two through
the agency gateway's API and refuses one; the progress counts the two toward both targets and
not the refused one, the programmes' topics carry the facilitators, the target and each decision
once, and a second proposal for a graduated household is refused."""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from slrt_devstack.testing import read_records
from slrt_shared.contracts import topics

from .conftest import referrals_of

pytestmark = [pytest.mark.e2e, pytest.mark.integration]

# A kecamatan of its own; the reference rule sends GRADUASI to PKH first, as the PKH
# coordinator decides graduations.
KECAMATAN = "32.15.09"
VILLAGE, OTHER_VILLAGE = "32.15.09.2001", "32.15.09.2002"
YEAR = datetime.now(UTC).year


def proposal(facilitator: str, n: int) -> dict[str, Any]:
    return {
        "kk_number": f"3215090101{uuid.uuid4().int % 10**6:06d}",
        "head_nik": f"32150941078{n:05d}",
        "head_name": f"Kepala Keluarga {n}",
        "facilitator_code": facilitator,
        "kind": "sejahtera_mandiri" if n % 2 else "graduasi_alamiah",
        "evidence": "Usaha warung berjalan dua tahun; penghasilan di atas garis kemiskinan.",
    }


def on_topic(test_env, topic: str, key: str) -> list[dict[str, Any]]:  # type: ignore[no-untyped-def]
    """The CloudEvents of a contract topic of the run under a record key, in order."""
    name = test_env.layout.name(topic)
    records = asyncio.run(read_records(test_env.kafka_bootstrap_servers, name))
    return [json.loads(r.value) for r in records if r.key == key.encode()]


def public(platform) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """Confirmed graduations of the year on monitoring's public progress: village, kecamatan,
    district, the target, and the answer's text."""
    answer = httpx.get(
        f"{platform.urls['monitoring']}/v1/programmes", params={"regency": "32.15", "year": YEAR}
    )
    assert answer.status_code == 200, answer.text
    found = answer.json()

    def confirmed(areas: list[dict[str, Any]], code: str) -> int:
        return next((a["graduations"]["confirmed"] for a in areas if a["code"] == code), 0)

    return {
        "village": confirmed(found["villages"], VILLAGE),
        "kecamatan": confirmed(found["kecamatan"], KECAMATAN),
        "district": found["graduations"]["confirmed"],
        "target": found["graduations"]["target"],
        "text": answer.text,
    }


def test_two_confirmed_graduations_count_toward_both_targets_and_a_refused_one_does_not(  # type: ignore[no-untyped-def]
    platform, eventually, test_env
) -> None:
    intake, gateway = platform.urls["intake"], platform.urls["agency-gateway"]
    suffix = uuid.uuid4().hex[:6].upper()
    first, second = f"PKH-A-{suffix}", f"PKH-B-{suffix}"
    for code, villages in ((first, [VILLAGE]), (second, [VILLAGE, OTHER_VILLAGE])):
        saved = httpx.post(
            f"{intake}/v1/admin/facilitators",
            json={"code": code, "name": f"Pendamping {code}", "village_codes": villages},
            headers=platform.district(),
        )
        assert saved.status_code == 200, saved.text
    target = httpx.post(
        f"{intake}/v1/admin/programme-targets",
        json={"year": YEAR, "district_total": 2000, "per_facilitator": 1},
        headers=platform.district(),
    )
    assert target.status_code == 200, target.text

    def progress() -> dict[str, Any]:
        answer = httpx.get(
            f"{intake}/v1/graduations/progress",
            params={"year": YEAR},
            headers=platform.district(),
        )
        assert answer.status_code == 200, answer.text
        found: dict[str, Any] = answer.json()
        return found

    before = progress()["district"]["confirmed"]
    public_before = public(platform)
    bodies = [proposal(first, 1), proposal(second, 2), proposal(second, 3)]
    cases = []
    for body in bodies:
        answer = httpx.post(
            f"{intake}/v1/graduations",
            json=body,
            headers={**platform.operator(VILLAGE), "Idempotency-Key": str(uuid.uuid4())},
        )
        assert answer.status_code == 201, answer.text
        cases.append(answer.json()["complaint_id"])
    pkh = {**platform.agency("PKH")}
    referrals = [
        eventually(lambda c=c: referrals_of(platform, "PKH", c), timeout=60)[0] for c in cases
    ]
    for referral in referrals[:2]:
        done = httpx.post(
            f"{gateway}/v1/referrals/{referral['referral_id']}/resolve",
            json={"outcome": "resolved"},
            headers={**pkh, "Idempotency-Key": str(uuid.uuid4())},
        )
        assert done.status_code == 200, done.text
    refused = httpx.post(
        f"{gateway}/v1/referrals/{referrals[2]['referral_id']}/reject",
        json={"reason_code": "tidak_memenuhi_syarat"},
        headers={**pkh, "Idempotency-Key": str(uuid.uuid4())},
    )
    assert refused.status_code == 200, refused.text

    def counted() -> dict[str, Any] | None:
        found = progress()
        per = {f["code"]: f["progress"]["confirmed"] for f in found["facilitators"]}
        return found if per.get(first) == 1 and per.get(second) == 1 else None

    found = eventually(counted, timeout=60)
    assert found["district"]["confirmed"] == before + 2
    per = {f["code"]: f["progress"] for f in found["facilitators"]}
    assert per[first]["reached"] and per[second]["reached"]  # the minimum is one each
    assert found["district"]["target"] == 2000 and not found["district"]["reached"]

    # Intake announced the registries and each decision, once, on the programmes' topics.
    for code in (first, second):
        [person] = eventually(lambda c=code: on_topic(test_env, topics.PROGRAMME_FACILITATORS, c))
        assert person["data"]["regency_code"] == "32.15" and person["data"]["active"]
    goals = eventually(lambda: on_topic(test_env, topics.PROGRAMME_TARGETS, f"32.15/{YEAR}"))
    assert goals[-1]["data"]["district_total"] == 2000
    decisions = [
        eventually(lambda c=c: on_topic(test_env, topics.PROGRAMME_GRADUATIONS, c)) for c in cases
    ]
    assert [[d["data"]["decision"] for d in once] for once in decisions] == [
        ["confirmed"],
        ["confirmed"],
        ["refused"],
    ]
    assert decisions[2][0]["data"]["reason_code"] == "tidak_memenuhi_syarat"
    assert [d[0]["data"]["facilitator_code"] for d in decisions] == [first, second, second]

    # Monitoring's public progress counts the two confirmed ones (counts only: no facilitator
    # named) in the village, its kecamatan and the district, against the district's target.
    def shown() -> dict[str, Any] | None:
        now = public(platform)
        return now if now["village"] - public_before["village"] == 2 else None

    after = eventually(shown, timeout=60)
    assert after["kecamatan"] - public_before["kecamatan"] == 2
    assert after["district"] - public_before["district"] == 2
    assert after["target"] == 2000
    assert first not in after["text"] and "Pendamping" not in after["text"]

    # The graduated household is refused a second time, in Bahasa Indonesia and in English;
    # the refused one may be proposed again.
    again = httpx.post(
        f"{intake}/v1/graduations",
        json=bodies[0],
        headers={
            **platform.operator(VILLAGE),
            "Idempotency-Key": str(uuid.uuid4()),
            "Accept-Language": "en",
        },
    )
    assert again.status_code == 409, again.text
    assert again.json()["error"]["code"] == "household_already_graduated"
    assert "already graduated" in again.json()["error"]["message"]
    retried = eventually(
        lambda: (
            r
            if (
                r := httpx.post(
                    f"{intake}/v1/graduations",
                    json=bodies[2],
                    headers={**platform.operator(VILLAGE), "Idempotency-Key": str(uuid.uuid4())},
                )
            ).status_code
            == 201
            else None
        ),
        timeout=30,
    )
    assert retried.json()["ticket"]
