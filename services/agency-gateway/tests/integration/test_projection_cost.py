"""What projecting one event costs Postgres: the referral an agency sees, its copy, its delivery.

Each event's use case takes its complaint's lock in a statement of its own (what it reads next
must see what a handler that held the lock committed), then stores the event and reads what the
agency's copy shows in one statement; a webhook's deliveries take one more. The statements are
counted as the pool sends them (BEGIN, the outbox's one statement and COMMIT apart), with the
events handled one after another in one transaction, as a consumer's batch may run them.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest

from gateway.adapters.repository import GatewayUnitOfWork
from gateway.service_layer import erasure, inbound
from gateway.service_layer.inbound import Announced
from slrt_devstack.testing import counting_statements
from slrt_shared.contracts.envelope import CloudEvent, new_event
from slrt_shared.contracts.events import ComplaintPii, EventData, ReferralDispatched
from slrt_shared.contracts.topics import TopicLayout

from .test_gateway_flow import dispatched, pii

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]

LAYOUT = TopicLayout("")


def wrap(data: EventData) -> CloudEvent:
    return new_event(data, source="/slrt/test", subject=data.complaint_id)  # type: ignore[attr-defined]


async def project(pool: Any, *events: EventData) -> list[str]:
    """Handle events in one unit of work as the subscriptions do; the gateway's own statements."""
    with counting_statements() as statements:
        async with GatewayUnitOfWork(pool, LAYOUT) as uow:
            for data in events:
                command = Announced.of(data, wrap(data))
                if isinstance(data, ComplaintPii):
                    await erasure.on_pii_unless_erased(command, uow)
                else:
                    assert isinstance(data, ReferralDispatched)
                    await inbound.on_dispatched(command, uow)
            await uow.commit()
    assert statements[0].startswith("BEGIN") and statements[-1].startswith("COMMIT"), statements
    return [s for s in statements[1:-1] if "outbox" not in s]


async def copies(pool: Any, referral_id: uuid.UUID) -> list[dict[str, Any]]:
    """The agency's copies of a referral in the outbox, oldest first."""
    rows = await pool.fetch("SELECT topic, value FROM outbox ORDER BY id")
    found = [json.loads(r["value"]) for r in rows if r["topic"].startswith("agency.")]
    return [c for c in found if c["data"]["referral_id"] == str(referral_id)]


async def test_each_projected_event_takes_two_statements_of_its_own(observed, gateway_db) -> None:  # type: ignore[no-untyped-def]
    pool = gateway_db.pool
    complaint = uuid.uuid4()
    # Warm: each statement prepared once on the connection.
    await project(pool, pii(uuid.uuid4(), "Warm"), dispatched(uuid.uuid4(), "JKN-PBI", "DINSOS"))

    # The resident's data first (no referral yet): its lock, then kept unless erased.
    assert len(await project(pool, pii(complaint, "Siti Aminah"))) == 2
    # The referral: its lock, then stored with what its copy shows (and what came early).
    referral = dispatched(complaint, "JKN-PBI", "DINSOS")
    assert len(await project(pool, referral)) == 2
    [copy] = await copies(pool, referral.referral_id)
    assert copy["data"]["status"] == "dispatched"
    assert copy["data"]["resident"]["name"] == "Siti Aminah"  # JKN-PBI: sensitive
    assert copy["data"]["resident"]["nik"] == "3215024107800001"
    # Delivered again: the same two statements and nothing stored, nothing copied.
    assert len(await project(pool, referral)) == 2
    assert len(await copies(pool, referral.referral_id)) == 1
    # The resident's data again, now the referral is here: kept and copied to its agency.
    assert len(await project(pool, pii(complaint, "Siti Aminah Putri"))) == 2
    *_, last = await copies(pool, referral.referral_id)
    assert (last["type"], last["data"]["change"]) == (
        "id.slrt.agency.referral.v1",
        ComplaintPii.event_type,
    )
    assert last["data"]["resident"]["name"] == "Siti Aminah Putri"
    stored = await pool.fetchrow(
        "SELECT status, agency_code FROM referrals WHERE id = $1", referral.referral_id
    )
    assert dict(stored) == {"status": "dispatched", "agency_code": "DINSOS"}


async def test_a_webhook_adds_one_statement_for_the_deliveries(observed, gateway_db) -> None:  # type: ignore[no-untyped-def]
    pool = gateway_db.pool
    async with GatewayUnitOfWork(pool, LAYOUT) as uow:
        await uow.save_webhook("DINSOS", "https://example.invalid/hook", "s" * 32)
        await uow.commit()
    await project(pool, dispatched(uuid.uuid4(), "JKN-PBI", "DINSOS"))  # warm
    referral = dispatched(uuid.uuid4(), "JKN-PBI", "DINSOS")
    assert len(await project(pool, referral)) == 3
    [copy] = await copies(pool, referral.referral_id)
    payload = await pool.fetchval(
        "SELECT payload FROM webhook_deliveries WHERE referral_id = $1", referral.referral_id
    )
    # The delivery carries the very event put on the agency's topic.
    assert json.loads(payload) == copy


async def test_events_of_one_transaction_see_each_other(observed, gateway_db) -> None:  # type: ignore[no-untyped-def]
    pool = gateway_db.pool
    complaint, other, warm = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    # Warm: each statement prepared and each type it returns learnt once on the connection.
    await project(pool, dispatched(warm, "RTLH", "DISPERKIM"), pii(warm, "Warm"))
    first, second = (
        dispatched(complaint, "JKN-PBI", "DINSOS"),
        dispatched(other, "RTLH", "DISPERKIM"),
    )
    own = await project(pool, pii(complaint, "Siti Aminah"), first, second, pii(other, "Budi"))
    assert len(own) == 8, "\n".join(s[:60] for s in own)
    # The referral stored after its resident in the same transaction shows the resident; the
    # resident stored after its referral is copied to it.
    [copy] = await copies(pool, first.referral_id)
    assert copy["data"]["resident"]["name"] == "Siti Aminah"
    before, after = await copies(pool, second.referral_id)
    assert before["data"]["resident"] is None
    # RTLH is basic: name, phone and address only.
    shown = {k: v for k, v in after["data"]["resident"].items() if v is not None}
    assert shown == {
        "name": "Budi",
        "phone": "+6281234567890",
        "address": "Dusun Krajan RT 02/RW 01",
    }


async def referral_rows_scanned(uow: GatewayUnitOfWork) -> int:
    """Rows of `referrals` this transaction has read by scanning the whole table so far."""
    return int(
        await uow.conn.fetchval(
            "SELECT coalesce(sum(seq_tup_read), 0) FROM pg_stat_xact_user_tables"
            " WHERE relname = 'referrals' AND schemaname = current_schema()"
        )
    )


async def test_a_complaint_s_event_reads_its_own_referrals_not_every_one_kept(
    observed, gateway_db
) -> None:  # type: ignore[no-untyped-def]
    pool = gateway_db.pool
    # Many referrals of other complaints, as a district's gateway keeps them.
    others = [dispatched(uuid.uuid4(), "JKN-PBI", "DINSOS") for _ in range(1500)]
    await project(pool, *others)
    await pool.execute("ANALYZE referrals")
    complaint = uuid.uuid4()
    await project(pool, dispatched(complaint, "JKN-PBI", "DINSOS"))

    async with GatewayUnitOfWork(pool, LAYOUT) as uow:
        before = await referral_rows_scanned(uow)
        data = pii(complaint, "Siti Aminah")
        await erasure.on_pii_unless_erased(Announced.of(data, wrap(data)), uow)
        assert await uow.referrals_of_complaint(complaint)
        # The resident's data and the complaint's referrals are found by the complaint's index.
        assert await referral_rows_scanned(uow) - before < 100
        await uow.rollback()
