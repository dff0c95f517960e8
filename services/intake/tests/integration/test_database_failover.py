"""Registration while Postgres fails over: a coded 503 to retry, never a 500, nothing lost."""

from __future__ import annotations

import asyncio
import uuid

import asyncpg
import pytest

from .conftest import Intake
from .test_intake_flow import body

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]


async def set_read_only(admin_url: str, dsn: str, on: bool) -> None:
    """Make the service's database read-only (as a demoted primary is) and cut its sessions."""
    database = dsn.rsplit("/", 1)[1].split("?")[0]
    conn = await asyncpg.connect(admin_url)
    try:
        setting = "on" if on else "off"
        await conn.execute(
            f'ALTER DATABASE "{database}" SET default_transaction_read_only = {setting}'
        )
        await conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = $1 AND pid <> pg_backend_pid()",
            database,
        )
    finally:
        await conn.close()


async def test_a_complaint_sent_during_a_failover_is_refused_with_a_code_then_accepted(
    intake: Intake, test_env
) -> None:  # type: ignore[no-untyped-def]
    headers = {**intake.operator(), "Idempotency-Key": str(uuid.uuid4())}
    complaint = body()
    await set_read_only(test_env.admin_url, intake.dsn, True)
    try:
        answers = [
            await intake.http.post("/v1/complaints", json=complaint, headers=headers)
            for _ in range(3)
        ]
        english = await intake.http.post(
            "/v1/complaints", json=complaint, headers={**headers, "Accept-Language": "en"}
        )
    finally:
        await set_read_only(test_env.admin_url, intake.dsn, False)

    for answer in [*answers, english]:
        assert answer.status_code == 503, answer.text
        assert answer.json()["error"]["code"] == "temporarily_unavailable"
        assert answer.headers["Retry-After"].isdigit()
    assert "Coba lagi" in answers[-1].json()["error"]["message"]
    assert "Try again" in english.json()["error"]["message"]

    for _ in range(20):  # the pool's sessions were cut: the first tries may still meet one
        accepted = await intake.http.post("/v1/complaints", json=complaint, headers=headers)
        if accepted.status_code != 503:
            break
        assert accepted.json()["error"]["code"] == "temporarily_unavailable"
        await asyncio.sleep(0.2)
    assert accepted.status_code == 201, accepted.text
    again = await intake.http.post("/v1/complaints", json=complaint, headers=headers)
    assert again.status_code == 200
    assert again.json()["complaint_id"] == accepted.json()["complaint_id"]
