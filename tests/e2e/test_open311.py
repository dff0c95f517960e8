"""Open311 GeoReport v2 conformance: the spec's JSON shapes, and a PyPI client as a black box."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import httpx
import jsonschema
import pytest
from georeport import GeoReport

pytestmark = [pytest.mark.e2e, pytest.mark.integration]

SCHEMAS = json.loads((Path(__file__).parent / "georeport_v2.schema.json").read_text())
VILLAGE = "32.15.02.2001"
NIK = "3215024107800001"
BASIC = {"RTLH", "KERJA", "GRADUASI", "BENCANA", "LAINNYA"}  # pii_level basic


def base(platform) -> str:  # type: ignore[no-untyped-def]
    return f"{platform.urls['intake']}/open311/v2"


def submit(platform, fmt: str = "json", **changes: str) -> httpx.Response:  # type: ignore[no-untyped-def]
    form = {
        "jurisdiction_id": "32.15",
        "service_code": "JKN-PBI",
        "api_key": platform.creds["operators"][VILLAGE],
        "attribute[NIK]": NIK,
        "attribute[VILLAGE]": VILLAGE,
        "first_name": "Siti",
        "last_name": "Aminah",
        "phone": "081234567890",
        "address_string": "Dusun Krajan RT 02/RW 01",
        "description": f"Kartu PBI tidak aktif ({uuid.uuid4().hex[:6]})",
    }
    form.update(changes)
    return httpx.post(f"{base(platform)}/requests.{fmt}", data=form)


def test_every_json_answer_matches_the_georeport_v2_schemas(platform, eventually) -> None:  # type: ignore[no-untyped-def]
    url = base(platform)
    jsonschema.validate(httpx.get(f"{url}/discovery.json").json(), SCHEMAS["discovery"])
    services = httpx.get(f"{url}/services.json", params={"jurisdiction_id": "32.15"}).json()
    jsonschema.validate(services, SCHEMAS["services"])
    assert {s["service_code"] for s in services} >= {"JKN-PBI", "ADMINDUK", "LAINNYA"}
    definition = httpx.get(
        f"{url}/services/JKN-PBI.json", params={"jurisdiction_id": "32.15"}
    ).json()
    jsonschema.validate(definition, SCHEMAS["service_definition"])
    required = {a["code"] for a in definition["attributes"] if a["required"]}
    assert required == {"NIK", "VILLAGE"}

    created = submit(platform)
    assert created.status_code == 201, created.text
    jsonschema.validate(created.json(), SCHEMAS["post_service_request_response"])
    ticket = created.json()[0]["service_request_id"]

    # JKN-PBI is a sensitive service: its requests are listed only with a key.
    key = platform.creds["operators"][VILLAGE]
    one = eventually(
        lambda: (
            (
                r := httpx.get(
                    f"{url}/requests/{ticket}.json",
                    params={"jurisdiction_id": "32.15", "api_key": key},
                ).json()
            )
            and r[0]["agency_responsible"]
            and r
        )
    )
    jsonschema.validate(one, SCHEMAS["service_requests"])
    assert one[0]["status"] == "open"
    assert one[0]["agency_responsible"] == "DINSOS"
    assert one[0]["expected_datetime"] > one[0]["requested_datetime"]
    listed = httpx.get(
        f"{url}/requests.json",
        params={
            "jurisdiction_id": "32.15",
            "service_code": "JKN-PBI",
            "status": "open",
            "api_key": key,
        },
    ).json()
    jsonschema.validate(listed, SCHEMAS["service_requests"])
    assert ticket in [r["service_request_id"] for r in listed]
    public = json.dumps(listed)
    for secret in (NIK, "Siti", "Aminah", "0812", "Krajan", "Kartu PBI"):
        assert secret not in public


@pytest.mark.parametrize(
    ("changes", "status"),
    [
        ({"jurisdiction_id": "99.99"}, 404),
        ({"api_key": "not-a-token"}, 403),  # GeoReport v2: an invalid api_key
        ({"api_key": ""}, 401),  # none at all: the request needs one
        ({"attribute[NIK]": "123"}, 422),
        ({"service_code": "NOPE"}, 422),
        ({"attribute[VILLAGE]": "32.15.02.2002"}, 403),
        ({"first_name": "", "last_name": ""}, 422),
    ],
)
def test_errors_come_in_the_spec_format(platform, changes: dict[str, str], status: int) -> None:  # type: ignore[no-untyped-def]
    for fmt in ("json", "xml"):
        response = submit(platform, fmt, **changes)
        assert response.status_code == status, response.text
        if fmt == "json":
            jsonschema.validate(response.json(), SCHEMAS["errors"])
            assert response.json()[0]["code"] == status
        else:
            assert response.text.count("<error>") == 1 and f"<code>{status}</code>" in response.text


def test_an_off_the_shelf_client_reads_services_and_requests_in_json_and_xml(  # type: ignore[no-untyped-def]
    platform, eventually
) -> None:
    # The client sends no api_key when reading: a basic service's request is public.
    ticket = submit(platform, service_code="RTLH").json()[0]["service_request_id"]
    for fmt in ("json", "xml"):
        client = GeoReport(base(platform), jurisdiction="32.15", output_format=fmt)
        codes = {s["service_code"] for s in client.get_service_list()}
        assert "JKN-PBI" in codes
        definition = client.get_service_definition("JKN-PBI")
        assert definition["service_code"] == "JKN-PBI"
        found = eventually(lambda c=client: c.get_service_requests(service_request_id=ticket))
        found = found if isinstance(found, list) else [found]  # xmltodict: one item, no list
        assert found[0]["service_request_id"] == ticket
        assert found[0]["status"] == "open"


def test_a_resent_form_creates_nothing_twice(platform) -> None:  # type: ignore[no-untyped-def]
    description = f"Dikirim ulang {uuid.uuid4().hex[:6]}"
    first = submit(platform, description=description)
    again = submit(platform, description=description)
    assert (first.status_code, again.status_code) == (201, 201), again.text
    assert first.json()[0]["service_request_id"] == again.json()[0]["service_request_id"]


def listed(platform, fmt: str = "json", **params: str) -> httpx.Response:  # type: ignore[no-untyped-def]
    """GET requests of the regency, with the given parameters."""
    return httpx.get(
        f"{base(platform)}/requests.{fmt}", params={"jurisdiction_id": "32.15", **params}
    )


def test_sensitive_and_special_requests_are_listed_only_with_an_operator_or_district_key(  # type: ignore[no-untyped-def]
    platform,
) -> None:
    other = "32.15.02.2002"
    mine = {
        code: submit(platform, service_code=code).json()[0]["service_request_id"]
        for code in ("RTLH", "KEKERASAN", "ODGJ", "JKN-PBI")
    }
    theirs = submit(
        platform,
        service_code="ODGJ",
        api_key=platform.creds["operators"][other],
        **{"attribute[VILLAGE]": other},
    ).json()[0]["service_request_id"]

    anonymous = listed(platform).json()
    jsonschema.validate(anonymous, SCHEMAS["service_requests"])
    assert {r["service_code"] for r in anonymous} <= BASIC
    assert mine["RTLH"] in {r["service_request_id"] for r in anonymous}
    for ticket in (*mine.values(), theirs):
        if ticket != mine["RTLH"]:
            alone = httpx.get(
                f"{base(platform)}/requests/{ticket}.json", params={"jurisdiction_id": "32.15"}
            )
            assert alone.status_code == 404, alone.text
            jsonschema.validate(alone.json(), SCHEMAS["errors"])

    operator = listed(platform, api_key=platform.creds["operators"][VILLAGE]).json()
    jsonschema.validate(operator, SCHEMAS["service_requests"])
    seen = {r["service_request_id"] for r in operator}
    assert set(mine.values()) <= seen and theirs not in seen
    staff = listed(platform, "xml", api_key=platform.creds["district"]["32.15"])
    assert staff.status_code == 200
    assert all(f"<service_request_id>{t}</service_request_id>" in staff.text for t in mine.values())
    assert f"<service_request_id>{theirs}</service_request_id>" in staff.text


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_an_unknown_api_key_is_refused_in_the_spec_format(platform, fmt: str) -> None:  # type: ignore[no-untyped-def]
    response = listed(platform, fmt, api_key="not-a-token")
    assert response.status_code == 403, response.text
    if fmt == "json":
        jsonschema.validate(response.json(), SCHEMAS["errors"])
    else:
        assert "<code>403</code>" in response.text and "service_request" not in response.text
