"""Personal accounts of secretariat and kecamatan staff, issued and revoked by the admin: only the
token's hash kept, a revoked token refused at once, each person seeing only their area; on a real
Postgres, through the whole HTTP app."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from referral.service_layer.context import Context
from slrt_devstack.fixtures import REGENCY
from slrt_shared.tokens import hash_token

from .conftest import CALENDAR, MONDAY, ReferralApp, created, referral_app

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]

ADMIN = "adm_" + secrets.token_hex(8)
DISTRICT = "dst_" + secrets.token_hex(8)


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def service(test_env) -> AsyncIterator[ReferralApp]:  # type: ignore[no-untyped-def]
    credentials = {"district": {REGENCY: DISTRICT}, "admin": ADMIN}
    async with referral_app(test_env.admin_url, "s", credentials, ADMIN) as app:
        yield app


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_the_admin_issues_a_kecamatan_account_that_sees_only_its_kecamatan_until_revoked(
    service: ReferralApp,
) -> None:
    context = Context(CALENDAR, lambda: MONDAY)
    here = await created(service.pool, context, f"{REGENCY}.02.2001", ["JKN-PBI"])
    there = await created(service.pool, context, f"{REGENCY}.03.2001", ["JKN-PBI"])
    async with service.client() as http:
        issued = await http.post(
            "/v1/admin/staff",
            json={"kind": "kecamatan", "area_code": f"{REGENCY}.02", "name": "  Budi   Santoso "},
            headers=bearer(ADMIN),
        )
        assert issued.status_code == 201, issued.text
        account = issued.json()
        token = account["token"]
        assert token.startswith("sk_") and account["name"] == "Budi Santoso"
        # Only the hash is kept.
        stored = await service.pool.fetchrow(
            "SELECT token_hash FROM staff_accounts WHERE id = $1", account["id"]
        )
        assert stored is not None and stored["token_hash"] == hash_token(token)
        assert token not in str(await service.pool.fetch("SELECT * FROM staff_accounts"))

        assert (await http.get(f"/v1/cases/{here}", headers=bearer(token))).status_code == 200
        assert (await http.get(f"/v1/cases/{there}", headers=bearer(token))).status_code == 404
        # The district still sees both.
        assert (await http.get(f"/v1/cases/{there}", headers=bearer(DISTRICT))).status_code == 200

        listed = await http.get("/v1/admin/staff", params={"area": REGENCY}, headers=bearer(ADMIN))
        assert [a["id"] for a in listed.json()] == [account["id"]]
        assert "token" not in listed.json()[0]

        revoked = await http.delete(f"/v1/admin/staff/{account['id']}", headers=bearer(ADMIN))
        assert revoked.status_code == 200 and revoked.json()["revoked_at"]
        after = await http.get(f"/v1/cases/{here}", headers=bearer(token))
        assert after.status_code == 401, after.text
        again = await http.delete(f"/v1/admin/staff/{account['id']}", headers=bearer(ADMIN))
        assert again.status_code == 404 and again.json()["error"]["code"] == "not_found"


async def test_a_secretariat_account_sees_its_regency_and_may_not_issue_accounts(
    service: ReferralApp,
) -> None:
    context = Context(CALENDAR, lambda: MONDAY)
    case = await created(service.pool, context, f"{REGENCY}.04.2001", ["PIP"])
    async with service.client() as http:
        issued = await http.post(
            "/v1/admin/staff",
            json={"kind": "secretariat", "area_code": REGENCY, "name": "Siti Rahayu"},
            headers=bearer(ADMIN),
        )
        token = issued.json()["token"]
        assert (await http.get(f"/v1/cases/{case}", headers=bearer(token))).status_code == 200
        for caller in (token, DISTRICT):
            refused = await http.post(
                "/v1/admin/staff",
                json={"kind": "secretariat", "area_code": REGENCY, "name": "Someone"},
                headers=bearer(caller),
            )
            assert refused.status_code == 401
            assert (await http.get("/v1/admin/staff", headers=bearer(caller))).status_code == 401


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"kind": "secretariat", "area_code": f"{REGENCY}.02", "name": "A"}, "staff_area_invalid"),
        ({"kind": "kecamatan", "area_code": REGENCY, "name": "A"}, "staff_area_invalid"),
        ({"kind": "agency", "area_code": REGENCY, "name": "A"}, "staff_kind_invalid"),
        ({"kind": "secretariat", "area_code": REGENCY, "name": "   "}, "staff_name_invalid"),
    ],
)
async def test_a_bad_account_is_refused_with_a_coded_error_and_nothing_stored(
    service: ReferralApp, body: dict[str, str], code: str
) -> None:
    before = await service.pool.fetchval("SELECT count(*) FROM staff_accounts")
    async with service.client() as http:
        answer = await http.post("/v1/admin/staff", json=body, headers=bearer(ADMIN))
        english = await http.post(
            "/v1/admin/staff", json=body, headers={**bearer(ADMIN), "Accept-Language": "en"}
        )
    assert answer.status_code == 422 and answer.json()["error"]["code"] == code
    assert answer.json()["error"]["message"] != english.json()["error"]["message"]
    assert await service.pool.fetchval("SELECT count(*) FROM staff_accounts") == before


async def test_kecamatan_staff_may_not_touch_the_regency_s_calendar(service: ReferralApp) -> None:
    async with service.client() as http:
        issued = await http.post(
            "/v1/admin/staff",
            json={"kind": "kecamatan", "area_code": f"{REGENCY}.05", "name": "Asep"},
            headers=bearer(ADMIN),
        )
        token = issued.json()["token"]
        for method, path in (("GET", "/v1/calendar"), ("DELETE", "/v1/calendar/years/2098")):
            refused = await http.request(method, path, headers=bearer(token))
            assert refused.status_code == 403, refused.text
            assert refused.json()["error"]["code"] == "forbidden"
        assert (await http.get("/v1/calendar", headers=bearer(DISTRICT))).status_code == 200
