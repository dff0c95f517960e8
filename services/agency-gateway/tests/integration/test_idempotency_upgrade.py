"""The actions' idempotency keys across the upgrade to the shared table, on a real Postgres."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
import pytest

from gateway.adapters.repository import GatewayUnitOfWork
from gateway.app import MIGRATIONS
from gateway.domain.referrals import AgencyAction
from gateway.service_layer.actions import ActionResult, ActOnReferral, act, fingerprint
from slrt_devstack import fixtures
from slrt_shared import db
from slrt_shared.contracts.topics import TopicLayout
from slrt_shared.idempotency import IdempotencyKeyReusedError

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]


@pytest.fixture
async def schema_before_shared_keys(test_env, tmp_path: Path) -> AsyncIterator[str]:  # type: ignore[no-untyped-def]
    """A database whose gateway schema stands before migration 009 (keys in action_requests)."""
    async with fixtures.scratch_database(test_env.admin_url, "g") as scratch:
        dsn = scratch.dsn("gateway")
        before = fixtures.migrations_before(MIGRATIONS, 9, tmp_path)
        await db.migrate(dsn, "gateway", "agency-gateway", before)
        yield dsn


async def test_an_action_answered_before_the_upgrade_is_answered_the_same_after_it(
    schema_before_shared_keys: str,
) -> None:
    dsn = schema_before_shared_keys
    referral_id = uuid.uuid4()
    request = AgencyAction("acknowledge", note="diterima")
    answered = ActionResult(referral_id, "acknowledged", None, "diterima", datetime.now(UTC))
    saved_at = datetime.now(UTC) - timedelta(days=3)
    conn = await asyncpg.connect(dsn)
    try:
        # As the previous version saved it (the referral itself is not needed to replay).
        await conn.execute(
            "INSERT INTO action_requests"
            " (agency_code, idempotency_key, request_hash, response, created_at)"
            " VALUES ('DINSOS', 'k1', $1, $2, $3)",
            fingerprint(referral_id, request),
            json.dumps(answered.to_json()),
            saved_at,
        )
    finally:
        await conn.close()

    applied = await db.migrate(dsn, "gateway", "agency-gateway", MIGRATIONS)

    # 009 first, then whatever later migrations there are.
    assert applied[:1] == ["agency-gateway/009_shared_idempotency_keys"]
    async with fixtures.pool(dsn, "gateway") as pool:

        async def resend(agency: str, action: AgencyAction) -> ActionResult:
            async with GatewayUnitOfWork(pool, TopicLayout("")) as uow:
                result = await act(ActOnReferral(agency, referral_id, action, "k1"), uow)
                await uow.commit()
            return result

        assert await resend("DINSOS", request) == answered
        with pytest.raises(IdempotencyKeyReusedError):
            await resend("DINSOS", AgencyAction("progress", note="lain"))
        ages = await pool.fetch("SELECT created_at FROM idempotency_keys")
        old_table = await pool.fetchval("SELECT to_regclass('action_requests')")
        outbox = await pool.fetchval("SELECT count(*) FROM outbox")
    assert [r["created_at"] for r in ages] == [saved_at], "the copied key lost its age"
    assert old_table is None
    assert outbox == 0, "a replayed action announced something"
