"""What one agency action costs Postgres, and keys kept by replicas that still obey revocation.

Statements are counted as the gateway's own pool sends them (asyncpg's query logger on each of
its connections), only those sent on behalf of the request under count: a context variable set
around the request marks them, so the relay's and the webhook worker's polls are not counted.
"""

from __future__ import annotations

import contextlib
import uuid
from datetime import UTC, datetime
from typing import Any

import asyncpg
import httpx
import pytest

from gateway.adapters.repository import GatewayUnitOfWork
from gateway.app import build
from gateway.entrypoints import cli_agencies
from gateway.entrypoints import cli_seed as seed
from gateway.settings import GatewaySettings
from slrt_devstack import fixtures
from slrt_devstack.fixtures import REGENCY
from slrt_devstack.testing import counting_statements, eventually
from slrt_shared import reference
from slrt_shared.tokens import new_token

from .conftest import stored_referral

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]


def outbox_statements(statements: list[str]) -> list[str]:
    """Those that write or announce the outbox (slrt_shared's, counted apart)."""
    return [s for s in statements if "outbox" in s]


async def replicas(
    stack: Any, keys: dict[str, str], n: int, **settings: Any
) -> list[tuple[Any, Any]]:
    """`n` gateway replicas built on one stack (seeded once)."""
    built = [build(GatewaySettings(**stack.settings("gateway"), **settings)) for _ in range(n)]
    await built[0][0].migrate()
    await fixtures.seed(stack.dsn("gateway"), "gateway", seed.load, {"agencies": keys}, REGENCY)
    return built


async def test_an_agency_action_takes_eight_statements_of_the_gateways_own(  # type: ignore[no-untyped-def]
    test_env, observed
) -> None:
    keys = {code: new_token("ak_") for code in reference.agencies()}
    async with test_env.beside("c") as stack:
        [(runtime, app)] = await replicas(stack, keys, 1)
        async with fixtures.running_service(runtime, app, "gateway") as http:
            await eventually(lambda: listening(app))
            now = datetime.now(UTC)
            warm, counted_one = (stored_referral("JKN-PBI", "DINSOS", now) for _ in range(2))
            async with GatewayUnitOfWork(runtime.pool, stack.layout) as uow:
                for r in (warm, counted_one):
                    await uow.add_referral(r)
                # A webhook: the copy's delivery is queued in the same statement as the change.
                await uow.save_webhook("DINSOS", "https://example.invalid/hook", "s" * 32)
                await uow.commit()
            headers = {"Authorization": f"Bearer {keys['DINSOS']}"}

            async def acknowledge(referral_id: uuid.UUID, key: str) -> httpx.Response:
                return await http.post(
                    f"/v1/referrals/{referral_id}/acknowledge",
                    json={"note": "diterima"},
                    headers={**headers, "Idempotency-Key": key},
                )

            # The first request reads the key and prepares the statements on its connection.
            assert (await acknowledge(warm.id, "warm")).status_code == 200
            with counting_statements() as statements:
                answer = await acknowledge(counted_one.id, "k1")
                await eventually(lambda: _true(statements))
            assert answer.status_code == 200, answer.text
            own = [s for s in statements if s not in outbox_statements(statements)]
            # BEGIN, the key's lock and its saved answer (slrt_shared.idempotency), the complaint's
            # lock, the referral held with its copy's data, the change with its delivery, the
            # answer remembered, COMMIT: the key was not read again, the referral read once.
            assert len(own) == 8, own
            assert own[0].startswith("BEGIN") and own[-1].startswith("COMMIT"), own
            # Two events (the update and the agency's copy) reach the outbox at commit.
            async with runtime.pool.acquire() as conn:
                queued = await conn.fetchval(
                    "SELECT count(*) FROM webhook_deliveries WHERE referral_id = $1",
                    counted_one.id,
                )
            assert queued == 1

            with counting_statements() as statements:
                again = await acknowledge(counted_one.id, "k1")
                await eventually(lambda: _true(statements))
            # A replay: BEGIN, the key's lock, its saved answer, COMMIT; nothing else is read.
            assert (again.status_code, again.json()) == (200, answer.json())
            assert len(statements) == 4, statements


async def _true(value: object) -> bool:
    return bool(value)


async def listening(app: Any) -> bool:
    """Whether a replica hears key changes (a gateway that keeps no keys needs none)."""
    keys = getattr(app.state, "agency_keys", None)
    return keys is None or bool(keys.listening)


async def test_a_revoked_key_stops_working_on_every_replica(test_env) -> None:  # type: ignore[no-untyped-def]
    keys = {code: new_token("ak_") for code in reference.agencies()}
    async with test_env.beside("k") as stack:
        # Kept for an hour: only the announcement of the revocation can make a replica forget.
        built = await replicas(stack, keys, 2, agency_key_cache_seconds=3600)
        async with contextlib.AsyncExitStack() as running:
            clients = [
                await running.enter_async_context(fixtures.running_service(rt, app, "gateway"))
                for rt, app in built
            ]
            for _, app in built:
                await eventually(lambda app=app: listening(app))

            async def answers(headers: dict[str, str]) -> list[int]:
                return [
                    (await http.get("/v1/referrals", headers=headers)).status_code
                    for http in clients
                ]

            old = {"Authorization": f"Bearer {keys['DINSOS']}"}
            assert await answers(old) == [200, 200]  # now kept by both replicas
            conn = await asyncpg.connect(stack.dsn("gateway"))
            try:
                await conn.execute("SET search_path TO gateway")
                _, new_key = await cli_agencies.rotate_key(conn, "DINSOS")
            finally:
                await conn.close()
            await eventually(lambda: _equal(answers(old), [401, 401]), within=10)
            new = {"Authorization": f"Bearer {new_key}"}
            assert await answers(new) == [200, 200]

            conn = await asyncpg.connect(stack.dsn("gateway"))
            try:
                await conn.execute("SET search_path TO gateway")
                [current] = [
                    k
                    for k in await cli_agencies.registry.keys(conn, "DINSOS")
                    if k["revoked_at"] is None
                ]
                assert await cli_agencies.revoke_key(conn, current["id"])
            finally:
                await conn.close()
            await eventually(lambda: _equal(answers(new), [401, 401]), within=10)


async def _equal(value: Any, expected: object) -> bool:
    return bool(await value == expected)
