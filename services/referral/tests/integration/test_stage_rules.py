"""A district defines a rule's stages through the rule admin API; the seed gives DTSEN its own."""

from __future__ import annotations

import json
import secrets
from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio

from referral.service_layer.context import Context

from .conftest import CALENDAR, MONDAY, ReferralApp, created, referral_app, referrals

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]

ADMIN = "adm_" + secrets.token_hex(8)
CONTEXT = Context(CALENDAR, lambda: MONDAY)
STAGES = [
    {
        "code": "asesmen",
        "name_id": "Asesmen lansia",
        "name_en": "Assessment of the elderly person",
        "agencies": ["DINSOS"],
        "sla_working_days": 4,
    },
    {
        "code": "layanan",
        "name_id": "Pemberian layanan",
        "name_en": "Service delivery",
        "agencies": ["DINKES", "DINSOS"],
        "sla_working_days": 10,
    },
]


@pytest_asyncio.fixture(loop_scope="session")
async def app(test_env) -> AsyncIterator[ReferralApp]:  # type: ignore[no-untyped-def]
    async with referral_app(test_env.admin_url, "st", {"admin": ADMIN}, ADMIN) as app:
        yield app


def admin(language: str = "id") -> dict[str, str]:
    return {"Authorization": f"Bearer {ADMIN}", "Accept-Language": language}


async def rule_events(app: ReferralApp, key: str) -> list[dict[str, Any]]:
    rows = await app.pool.fetch(
        "SELECT value FROM outbox WHERE topic = 'routing.rules' AND key = $1 ORDER BY id",
        key.encode(),
    )
    return [json.loads(bytes(r["value"]))["data"] for r in rows]


async def test_the_seed_gives_dtsen_its_three_reference_stages(app: ReferralApp) -> None:
    async with app.client() as client:
        listed = (await client.get("/v1/rules", headers=admin())).json()
    dtsen = next(r for r in listed if r["service_code"] == "DTSEN")
    assert [(s["code"], s["agencies"]) for s in dtsen["stages"]] == [
        ("kelengkapan", ["DINSOS"]),
        ("verifikasi", ["PKH", "DINSOS"]),
        ("keputusan", ["DINSOS"]),
    ]
    announced = await rule_events(app, "DTSEN")
    assert [s["code"] for s in announced[-1]["stages"]] == [
        "kelengkapan",
        "verifikasi",
        "keputusan",
    ]
    assert next(r for r in listed if r["service_code"] == "JKN-PBI")["stages"] == []


async def test_a_district_defines_stages_of_its_own_and_a_need_follows_them(
    app: ReferralApp,
) -> None:
    body = {"agencies": ["DINSOS"], "sla_working_days": 14, "stages": STAGES}
    async with app.client() as client:
        saved = await client.put("/v1/rules/LANSIA", json=body, headers=admin())
        history = (await client.get("/v1/rules/LANSIA/history", headers=admin())).json()
    assert saved.status_code == 200, saved.text
    assert saved.json()["stages"] == STAGES
    assert history[0]["stages"] == STAGES
    assert (await rule_events(app, "LANSIA"))[-1]["stages"] == STAGES

    complaint_id = await created(app.pool, CONTEXT, "32.15.02.2001", ["LANSIA"])
    [first] = await referrals(app.pool, complaint_id)
    assert (first["stage"], first["stage_index"], first["stages_total"]) == ("asesmen", 1, 2)
    assert (first["agency_code"], first["sla_working_days"]) == ("DINSOS", 4)


@pytest.mark.parametrize(
    ("stage", "indonesian", "english"),
    [
        (
            {"agencies": ["NOPE"]},
            "tahap 2: instansi tidak dikenal: NOPE",
            "stage 2: unknown agencies",
        ),
        ({"code": "Bad"}, "tahap 2: kode harus", "stage 2: the code must be"),
        ({"sla_working_days": 0}, "tahap 2: sla_working_days harus", "stage 2: sla_working_days"),
        ({"code": "asesmen"}, "sebuah kode tahap muncul dua kali", "a stage code appears twice"),
    ],
)
async def test_a_stage_that_cannot_be_saved_is_refused_with_a_code_in_either_language(
    app: ReferralApp, stage: dict[str, Any], indonesian: str, english: str
) -> None:
    body = {
        "agencies": ["DINSOS"],
        "sla_working_days": 14,
        "stages": [STAGES[0], STAGES[1] | stage],
    }
    before = await app.pool.fetchval(
        "SELECT version FROM routing_rules WHERE service_code = 'ODGJ'"
    )
    async with app.client() as client:
        in_bahasa = await client.put("/v1/rules/ODGJ", json=body, headers=admin())
        in_english = await client.put("/v1/rules/ODGJ", json=body, headers=admin("en"))
    assert (in_bahasa.status_code, in_bahasa.json()["error"]["code"]) == (422, "invalid_rule")
    assert in_bahasa.json()["error"]["message"].startswith(indonesian)
    assert in_english.json()["error"]["message"].startswith(english)
    after = await app.pool.fetchval("SELECT version FROM routing_rules WHERE service_code = 'ODGJ'")
    assert after == before
