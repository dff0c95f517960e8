"""A per-operator request limit at intake, shared by every replica."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import replace

import httpx
import pytest

from slrt_devstack import processes, services

pytestmark = [pytest.mark.e2e, pytest.mark.integration, pytest.mark.security]

LIMIT = 5


@pytest.fixture(scope="module")
def limited_replicas(platform) -> Iterator[list[str]]:  # type: ignore[no-untyped-def]
    """Two more intake replicas on the same database, limited to LIMIT requests a minute."""
    urls = []
    names = []
    for n in (1, 2):
        spec = replace(
            platform.specs["intake"], name=f"intake-limited-{n}", port=processes.free_port()
        )
        env = {
            **platform.envs["intake"],
            "INTAKE_RATE_LIMIT_PER_MINUTE": str(LIMIT),
            "INTAKE_HTTP_PORT": str(spec.port),
        }
        services.start(platform.paths, spec, env)
        urls.append(spec.url)
        names.append(spec.name)
    yield urls
    for name in names:
        processes.stop(platform.paths, name)


def complaint(village: str) -> dict:
    return {
        "village_code": village,
        "needs": ["ADMINDUK"],
        "description": "KK hilang.",
        "channel": "walk_in",
        "recorded_at": "2025-06-26T09:15:00+07:00",
        "resident": {"nik": "3215024107800001", "name": "Siti Aminah"},
    }


def test_an_operator_over_the_limit_waits_while_other_operators_go_on(  # type: ignore[no-untyped-def]
    platform, limited_replicas
) -> None:
    busy, other = "32.15.03.2001", "32.15.03.2002"
    answers = []
    # Twice the limit and two: a minute boundary inside the burst starts the count again, and
    # however it splits the burst, one side still holds more than the limit.
    for n in range(2 * LIMIT + 2):
        # Alternating replicas: the count is one for the operator, not one per process.
        answers.append(
            httpx.post(
                f"{limited_replicas[n % 2]}/v1/complaints",
                json=complaint(busy),
                headers={**platform.operator(busy), "Idempotency-Key": str(uuid.uuid4())},
            )
        )
    codes = [a.status_code for a in answers]
    assert codes.count(429) >= 1 and codes.count(201) >= LIMIT, codes
    refused = next(a for a in answers if a.status_code == 429)
    assert refused.json()["error"]["code"] == "rate_limited"
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert "coba lagi" in refused.json()["error"]["message"]  # Bahasa Indonesia by default

    calm = httpx.post(
        f"{limited_replicas[0]}/v1/complaints",
        json=complaint(other),
        headers={**platform.operator(other), "Idempotency-Key": str(uuid.uuid4())},
    )
    assert calm.status_code == 201, calm.text


def test_the_limit_covers_reads_batches_and_open311(  # type: ignore[no-untyped-def]
    platform, limited_replicas
) -> None:
    village = "32.15.03.2003"
    token = platform.creds["operators"][village]
    headers = {"Authorization": f"Bearer {token}"}
    url = limited_replicas[0]

    def exhaust() -> None:
        for _ in range(2 * LIMIT + 1):
            read = httpx.get(f"{url}/v1/complaints/{uuid.uuid4()}", headers=headers)
            if read.status_code == 429:
                return
            assert read.status_code == 404
        raise AssertionError("reads were never limited")

    exhaust()
    batch = httpx.post(
        f"{url}/v1/complaints/batch",
        json={"complaints": []},
        headers={**headers, "Idempotency-Key": str(uuid.uuid4())},
    )
    assert batch.status_code == 429, batch.text
    exhaust()
    form = httpx.post(
        f"{url}/open311/v2/requests.json",
        data={"api_key": token, "service_code": "ADMINDUK", "jurisdiction_id": "32.15"},
    )
    assert form.status_code == 429, form.text
    assert form.json()[0]["code"] == 429 and "Retry-After" in form.headers
