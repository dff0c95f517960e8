"""Open311's api_key on a real Postgres: none where one is needed is a 401, an unknown or revoked
one a 403 (GeoReport v2), each in the spec's error format, JSON or XML."""

from __future__ import annotations

import pytest

from intake.domain.errors import message

from .conftest import REGENCY, VILLAGE, Intake

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]


def form(api_key: str | None) -> dict[str, str]:
    """A complete service request, with the api_key given (or none)."""
    return {
        "jurisdiction_id": REGENCY,
        "service_code": "RTLH",
        "description": "Atap rumah bocor.",
        "first_name": "Siti",
        "attribute[NIK]": "3215024107800001",
        "attribute[VILLAGE]": VILLAGE,
        **({"api_key": api_key} if api_key is not None else {}),
    }


@pytest.mark.parametrize("fmt", ["json", "xml"])
@pytest.mark.parametrize(("key", "status"), [("op_not-a-token", 403), ("", 401), (None, 401)])
async def test_a_request_with_a_wrong_key_is_403_and_without_one_401(
    intake: Intake, fmt: str, key: str | None, status: int
) -> None:
    answer = await intake.http.post(f"/open311/v2/requests.{fmt}", data=form(key))
    assert answer.status_code == status, answer.text
    if fmt == "json":
        [error] = answer.json()
        assert error["code"] == status
    else:
        assert answer.text.count("<error>") == 1 and f"<code>{status}</code>" in answer.text
    if status == 403:
        assert message("invalid_api_key", "en") in answer.text


async def test_a_revoked_key_reading_requests_is_403_and_no_key_reads_the_public_ones(
    intake: Intake,
) -> None:
    params = {"jurisdiction_id": REGENCY}
    wrong = await intake.http.get(
        "/open311/v2/requests.json", params={**params, "api_key": "op_not-a-token"}
    )
    assert wrong.status_code == 403 and wrong.json()[0]["code"] == 403
    one = await intake.http.get(
        "/open311/v2/requests/SLRT-AAAA-AAAA.xml", params={**params, "api_key": "op_nope"}
    )
    assert one.status_code == 403 and "<code>403</code>" in one.text
    assert (await intake.http.get("/open311/v2/requests.json", params=params)).status_code == 200
    token = intake.credentials["operators"][VILLAGE]
    own = await intake.http.get("/open311/v2/requests.json", params={**params, "api_key": token})
    assert own.status_code == 200
