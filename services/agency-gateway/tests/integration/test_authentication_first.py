"""Every authenticated route knows its caller before it reads the body: 401, never 422."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]

# Neither a body nor a query that any route accepts: a caller who gets past authentication is
# answered 422 for them.
BAD_BODY = {"surprise": True, "outcome": "x", "url": "not a url", "reason_code": 7}
BAD_QUERY = {"limit": "0", "status": "nope", "month": "13", "before": "-1"}
CALLERS = {
    "no key": {},
    "an unknown key": {"Authorization": "Bearer ak_not-a-key"},
    "an unknown staff token": {"Authorization": "Bearer st_not-a-token"},
}


async def authenticated_routes(gateway) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    """Every (method, path) of the API that takes an Authorization header."""
    spec: dict[str, Any] = (await gateway.http.get("/openapi.json")).json()
    routes = []
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            headers = {
                p["name"].lower() for p in operation.get("parameters", []) if p["in"] == "header"
            }
            if "authorization" in headers:
                routes.append((method.upper(), path))
    return routes


async def test_every_authenticated_route_answers_401_before_reading_a_bad_body(gateway) -> None:  # type: ignore[no-untyped-def]
    routes = await authenticated_routes(gateway)
    # The agencies' referrals, actions, timeline, CSV and who-am-I, their webhook and its log,
    # the admin's audit, export and staff accounts.
    assert len(routes) == 19, routes
    for caller, headers in CALLERS.items():
        for method, template in routes:
            path = (
                template.replace("{referral_id}", str(uuid.uuid4()))
                .replace("{delivery_id}", str(uuid.uuid4()))
                .replace("{account_id}", str(uuid.uuid4()))
            )
            answer = await gateway.http.request(
                method,
                path,
                params=BAD_QUERY,
                json=None if method in ("GET", "DELETE") else BAD_BODY,
                headers={**headers, "Idempotency-Key": "k"},
            )
            assert (answer.status_code, answer.json()["error"]["code"]) == (
                401,
                "unauthenticated",
            ), (caller, method, path, answer.text)


async def test_a_known_key_gets_past_authentication_to_the_body_check(gateway) -> None:  # type: ignore[no-untyped-def]
    answer = await gateway.http.post(
        f"/v1/referrals/{uuid.uuid4()}/resolve",
        json=BAD_BODY,
        headers={**gateway.agency("DINSOS"), "Idempotency-Key": "k"},
    )
    assert answer.status_code == 422
