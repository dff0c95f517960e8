"""What routing one complaint costs Postgres, and rules kept in memory that still follow changes.

Statements are counted as the service's own pool sends them (asyncpg's query logger on each of
its connections), only those sent for the event under count: a context variable set around the
handler's call marks them.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any
from uuid import UUID

import asyncpg
import pytest

from referral.app import build
from referral.entrypoints import cli_seed as seed
from referral.settings import ReferralSettings
from slrt_devstack import fixtures
from slrt_devstack.testing import counting_statements, eventually
from slrt_shared.contracts import topics
from slrt_shared.contracts.envelope import new_event
from slrt_shared.contracts.events import ReferralUpdated

from .conftest import MONDAY, complaint_created

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]


@contextlib.asynccontextmanager
async def service(admin_url: str, tag: str) -> AsyncIterator[tuple[Any, Any, asyncpg.Pool]]:
    """Referral on a scratch database (no Kafka), its rules kept while it listens."""
    async with fixtures.scratch_database(admin_url, tag) as scratch:
        dsn = scratch.dsn("referral")
        runtime, app = build(ReferralSettings(database_url=dsn, admin_token="t" * 32))
        async with runtime.database() as pool:
            await fixtures.seed(dsn, "referral", seed.load, {}, fixtures.REGENCY)
            # A referral that keeps no rules needs no listening.
            rules = getattr(app.state, "routing_rules", None)
            listening = asyncio.create_task(rules.listen() if rules else asyncio.sleep(0))
            try:
                await eventually(lambda: _true(rules is None or rules.listening))
                yield runtime, app, pool
            finally:
                listening.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await listening


async def _true(value: object) -> bool:
    return bool(value)


async def complaint(runtime: Any, village: str, needs: list[str]) -> UUID:
    """Hand a new complaint to referral's complaint.created consumer (inbox and all)."""
    data = complaint_created(village, needs)
    event = new_event(data, source="/slrt/test", subject=data.complaint_id)
    await runtime.handlers[topics.COMPLAINT_CREATED](event)
    return data.complaint_id


async def test_routing_a_complaint_of_two_needs_takes_seven_statements_of_its_own(  # type: ignore[no-untyped-def]
    test_env, observed
) -> None:
    async with service(test_env.admin_url, "d") as (runtime, _, pool):
        # The first complaint loads the rules and the calendar, and prepares the statements.
        await complaint(runtime, "32.15.02.2001", ["JKN-PBI", "ADMINDUK"])
        with counting_statements() as counted:
            complaint_id = await complaint(runtime, "32.15.02.2001", ["JKN-PBI", "ADMINDUK"])
            await eventually(lambda: _true(counted))
        own = [s for s in counted if "outbox" not in s]
        # BEGIN, the inbox's claim, the case opened, the calendar's version, one insert per
        # need, COMMIT: no rule is read, nor the referrals of a case opened a moment ago.
        assert len(own) == 7, own
        assert not [s for s in own if "routing_rules" in s], own
        referred = await pool.fetch(
            "SELECT service_code, agency_code FROM referrals WHERE complaint_id = $1"
            " ORDER BY service_code",
            complaint_id,
        )
        assert [tuple(r) for r in referred] == [("ADMINDUK", "DISDUKCAPIL"), ("JKN-PBI", "DINSOS")]


async def test_an_agencys_acknowledgement_takes_five_statements_its_log_entry_included(  # type: ignore[no-untyped-def]
    test_env, observed
) -> None:
    async with service(test_env.admin_url, "u") as (runtime, _, pool):
        complaints = [await complaint(runtime, "32.15.02.2001", ["JKN-PBI"]) for _ in range(2)]
        rows = [
            await pool.fetchrow("SELECT * FROM referrals WHERE complaint_id = $1", c)
            for c in complaints
        ]

        async def acknowledge(row: Any) -> None:
            data = ReferralUpdated(
                referral_id=row["id"],
                complaint_id=row["complaint_id"],
                agency_code=row["agency_code"],
                status="acknowledged",
                at=MONDAY,
            )
            event = new_event(data, source="/slrt/test", subject=row["complaint_id"])
            await runtime.handlers[topics.REFERRAL_UPDATED](event)

        await acknowledge(rows[0])  # prepares the statements
        with counting_statements() as counted:
            await acknowledge(rows[1])
            await eventually(lambda: _true(counted))
        # BEGIN, the inbox's claim, the referral locked, its change with its log entry, COMMIT.
        assert len(counted) == 5, counted
        logged = await pool.fetch(
            "SELECT from_status, to_status, accepted FROM transition_log WHERE referral_id = $1",
            rows[1]["id"],
        )
        assert [tuple(r) for r in logged] == [("dispatched", "acknowledged", True)]
        status = await pool.fetchval("SELECT status FROM referrals WHERE id = $1", rows[1]["id"])
        assert status == "acknowledged"


async def test_a_changed_rule_routes_the_next_complaint_though_rules_are_kept(  # type: ignore[no-untyped-def]
    test_env,
) -> None:
    async with service(test_env.admin_url, "e") as (runtime, _, pool):

        async def agency_of_next() -> str:
            complaint_id = await complaint(runtime, "32.15.03.2001", ["JKN-PBI"])
            return str(
                await pool.fetchval(
                    "SELECT agency_code FROM referrals WHERE complaint_id = $1", complaint_id
                )
            )

        assert await agency_of_next() == "DINSOS"  # the rules are now kept
        # Changed by hand, as an operator might: every change to the table is heard.
        await pool.execute(
            "UPDATE routing_rules SET agencies = ARRAY['BPJSKES', 'DINSOS'], version = version + 1"
            " WHERE service_code = 'JKN-PBI' AND scope = ''"
        )
        await eventually(lambda: _equal(agency_of_next(), "BPJSKES"), within=10)
        # An override of the kecamatan, saved and then removed: each is heard in turn.
        await pool.execute(
            "INSERT INTO routing_rules (service_code, scope, agencies, sla_working_days, version,"
            " updated_at, updated_by) VALUES ('JKN-PBI', '32.15.03', ARRAY['DINSOS'], 3, 1,"
            " now(), 'test')"
        )
        await eventually(lambda: _equal(agency_of_next(), "DINSOS"), within=10)
        await pool.execute("DELETE FROM routing_rules WHERE scope = '32.15.03'")
        await eventually(lambda: _equal(agency_of_next(), "BPJSKES"), within=10)


async def _equal(value: Any, expected: object) -> bool:
    return bool(await value == expected)
