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


async def test_an_agency_action_takes_four_statements_of_the_gateways_own(  # type: ignore[no-untyped-def]
    test_env, observed
) -> None:
    keys = {code: new_token("ak_") for code in reference.agencies()}
    async with test_env.beside("c") as stack:
        [(runtime, app)] = await replicas(stack, keys, 1)
        async with fixtures.running_service(runtime, app, "gateway") as http:
            await eventually(lambda: listening(app))
            now = datetime.now(UTC)
            warm, counted_one, refused = (
                stored_referral("JKN-PBI", "DINSOS", now) for _ in range(3)
            )
            hooked = stored_referral("RTLH", "DISPERKIM", now)
            async with GatewayUnitOfWork(runtime.pool, stack.layout) as uow:
                for r in (warm, counted_one, refused, hooked):
                    await uow.add_referral(r)
                # A webhook: the copy's delivery is queued in a statement of its own.
                await uow.save_webhook("DISPERKIM", "https://example.invalid/hook", "s" * 32)
                await uow.commit()

            async def act(
                referral_id: uuid.UUID,
                key: str,
                action: str = "acknowledge",
                agency: str = "DINSOS",
            ) -> httpx.Response:
                body = {"outcome": "resolved"} if action == "resolve" else {"note": "diterima"}
                return await http.post(
                    f"/v1/referrals/{referral_id}/{action}",
                    json=body,
                    headers={"Authorization": f"Bearer {keys[agency]}", "Idempotency-Key": key},
                )

            async def counted(*args: Any, **kwargs: Any) -> tuple[httpx.Response, list[str]]:
                with counting_statements() as statements:
                    answer = await act(*args, **kwargs)
                    await eventually(lambda: _true(statements))
                return answer, statements

            # The first request reads the key and prepares the statements on its connection.
            assert (await act(warm.id, "warm")).status_code == 200
            answer, statements = await counted(counted_one.id, "k1")
            assert answer.status_code == 200, answer.text
            own = [s for s in statements if s not in outbox_statements(statements)]
            # BEGIN, the key saved as the gate of the complaint's lock, the referral changed
            # from a status its change is allowed from and read back with its copy's data,
            # COMMIT: the key is not read, nor the referral before its change.
            assert len(own) == 4, own
            assert own[0].startswith("BEGIN") and own[-1].startswith("COMMIT"), own
            # Two events (the update and the agency's copy) reach the outbox at commit.
            assert len(outbox_statements(statements)) == 1, statements

            again, statements = await counted(counted_one.id, "k1")
            # A replay: BEGIN, the key's gate (which reads what it was saved with), COMMIT.
            assert (again.status_code, again.json()) == (200, answer.json())
            assert len(statements) == 3, statements

            # With a webhook, its delivery is one statement more.
            assert (await act(hooked.id, "warm-hook", agency="DISPERKIM")).status_code == 200
            answer, statements = await counted(hooked.id, "k2", "resolve", "DISPERKIM")
            assert answer.status_code == 200, answer.text
            assert len([s for s in statements if s not in outbox_statements(statements)]) == 5
            async with runtime.pool.acquire() as conn:
                queued = await conn.fetchval(
                    "SELECT count(*) FROM webhook_deliveries WHERE referral_id = $1", hooked.id
                )
            assert queued == 2

            # A refusal (409) keeps nothing: the key's row goes with the rolled-back
            # transaction, so the same key may carry another request afterwards.
            assert (await act(refused.id, "k3", "resolve")).status_code == 200
            no, statements = await counted(refused.id, "k4")
            assert no.status_code == 409 and no.json()["error"]["code"] == "invalid_transition", (
                no.text
            )
            assert [s for s in statements if "ROLLBACK" in s], statements
            async with runtime.pool.acquire() as conn:
                kept = await conn.fetchval(
                    "SELECT count(*) FROM idempotency_keys WHERE scope = 'DINSOS' AND key = 'k4'"
                )
            assert kept == 0


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
