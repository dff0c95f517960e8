"""Authentication before anything else on every route, the same admin credential on every router,
and the error texts of the message catalogue: on a real Postgres, through the whole HTTP app."""

from __future__ import annotations

import re
import secrets
from collections.abc import AsyncIterator
from uuid import uuid4

import pytest
import pytest_asyncio
from fastapi import FastAPI

from slrt_devstack.fixtures import REGENCY

from .conftest import ReferralApp, referral_app

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]

# The admin token of the environment and the one `seed` stored differ, as they may after a
# rotation that reached one and not yet the other: both are the admin's on every router.
ENV_ADMIN = "adm_env_" + secrets.token_hex(8)
STORED_ADMIN = "adm_db_" + secrets.token_hex(8)
DISTRICT = "dst_" + secrets.token_hex(8)
OPERATOR = "op_" + secrets.token_hex(8)


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def service(test_env) -> AsyncIterator[ReferralApp]:  # type: ignore[no-untyped-def]
    credentials = {
        "district": {REGENCY: DISTRICT},
        "admin": STORED_ADMIN,
        "operators": {"32.15.02.2001": OPERATOR},
    }
    async with referral_app(test_env.admin_url, "a", credentials, ENV_ADMIN) as app:
        yield app


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def authenticated_routes(app: FastAPI) -> list[tuple[str, str]]:
    """Every (method, path) the API documents under /v1: all of them need a staff or admin token."""
    return sorted(
        (method.upper(), path)
        for path, operations in app.openapi()["paths"].items()
        if path.startswith("/v1/")
        for method in operations
    )


def malformed(path: str) -> str:
    """The path with every parameter invalid (no UUID, no service code, no year) and bad query
    parameters, so that anything validated before authentication would be answered 422."""
    return re.sub(r"\{[^}]+\}", "x~", path) + "?limit=0&year=1&before=0"


async def test_a_request_without_a_valid_token_gets_401_on_every_route_whatever_its_body(
    service: ReferralApp,
) -> None:
    routes = authenticated_routes(service.app)
    # The whole API: cases, referrals (extending, triaging, re-routing, holding, resolving and
    # noting them), the console, rules, calendar, accounts.
    assert len(routes) == 25, routes
    async with service.client() as http:
        for method, path in routes:
            for headers in ({}, bearer("dst_unknown"), bearer(OPERATOR)):
                for body in ({"unexpected": True}, [1, 2], "not an object"):
                    answer = await http.request(method, malformed(path), json=body, headers=headers)
                    assert answer.status_code == 401, (method, path, headers, answer.text)
                    assert answer.json()["error"]["code"] == "unauthenticated"


async def test_the_rules_need_the_admin_not_district_staff(service: ReferralApp) -> None:
    async with service.client() as http:
        for method, path in authenticated_routes(service.app):
            if path.startswith("/v1/rules"):
                answer = await http.request(
                    method, malformed(path), json={"agencies": 1}, headers=bearer(DISTRICT)
                )
                assert answer.status_code == 401, (method, path, answer.text)
                assert answer.json()["error"]["message"] == "Diperlukan token admin."


@pytest.mark.parametrize("admin", [ENV_ADMIN, STORED_ADMIN], ids=["environment", "stored"])
async def test_both_admin_tokens_are_accepted_on_every_router(
    service: ReferralApp, admin: str
) -> None:
    async with service.client() as http:
        rules = await http.get("/v1/rules", headers=bearer(admin))
        assert rules.status_code == 200, rules.text
        history = await http.get("/v1/rules/ADMINDUK/history", headers=bearer(admin))
        assert history.status_code == 200, history.text
        saved = await http.put(
            "/v1/rules/ADMINDUK",
            json={"agencies": ["DISDUKCAPIL"], "sla_working_days": 4},
            headers=bearer(admin),
        )
        assert (saved.status_code, saved.json()["updated_by"]) == (200, "admin")
        assert (await http.get("/v1/calendar", headers=bearer(admin))).status_code == 200
        case = await http.get(f"/v1/cases/{uuid4()}", headers=bearer(admin))
        assert (case.status_code, case.json()["error"]["code"]) == (404, "not_found")


async def test_errors_are_in_bahasa_indonesia_unless_english_is_asked_for(
    service: ReferralApp,
) -> None:
    refusals = [
        ("GET", f"/v1/cases/{uuid4()}", None, 404, "Kasus tidak ditemukan.", "No such case."),
        (
            "GET",
            f"/v1/referrals/{uuid4()}",
            None,
            404,
            "Rujukan tidak ditemukan.",
            "No such referral.",
        ),
        (
            "PUT",
            "/v1/rules/ADMINDUK",
            {"agencies": ["DISDUKCAPIL", "NOPE"], "sla_working_days": 4},
            422,
            "instansi tidak dikenal: NOPE",
            "unknown agencies: NOPE",
        ),
        (
            "PUT",
            "/v1/rules/NOPE",
            {"agencies": ["DISDUKCAPIL"], "sla_working_days": 4},
            404,
            "Layanan NOPE tidak ada di katalog.",
            "No service NOPE in the catalogue.",
        ),
        (
            "PUT",
            "/v1/rules/ADMINDUK/kecamatan/99.99.99",
            {"agencies": ["DISDUKCAPIL"], "sla_working_days": 4},
            422,
            "Kecamatan 99.99.99 tidak dikenal.",
            "No kecamatan 99.99.99.",
        ),
        (
            "DELETE",
            "/v1/rules/ADMINDUK/kecamatan/32.15.02",
            None,
            404,
            "Aturan khusus kecamatan ini tidak ditemukan.",
            "No such override.",
        ),
    ]
    async with service.client() as http:
        for method, path, body, status, indonesian, english in refusals:
            default = await http.request(method, path, json=body, headers=bearer(ENV_ADMIN))
            asked = await http.request(
                method, path, json=body, headers={**bearer(ENV_ADMIN), "Accept-Language": "en"}
            )
            assert (default.status_code, default.json()["error"]["message"]) == (
                status,
                indonesian,
            ), path
            assert (asked.status_code, asked.json()["error"]["message"]) == (status, english)
        unauthenticated = await http.get("/v1/calendar", headers={"Accept-Language": "en"})
        assert unauthenticated.json()["error"]["message"] == (
            "A district staff or admin token is required."
        )
