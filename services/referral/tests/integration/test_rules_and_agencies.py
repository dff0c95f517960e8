"""Rules name the agencies announced on directory.agencies, and every change is announced."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from referral.adapters.repository import ReferralUnitOfWork
from referral.domain.errors import Refusal
from referral.entrypoints.kafka import on_agency_registered
from referral.service_layer.rules import RemoveOverride, SaveRule, remove_override, save_rule
from slrt_shared.consumer import with_inbox
from slrt_shared.contracts.envelope import new_event
from slrt_shared.contracts.events import AgencyRegistered
from slrt_shared.contracts.topics import TopicLayout

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]

AT = datetime(2026, 11, 30, 3, 0, tzinfo=UTC)


async def announced(pool, topic: str) -> list[dict[str, Any]]:  # type: ignore[no-untyped-def]
    rows = await pool.fetch("SELECT key, value FROM outbox WHERE topic = $1 ORDER BY id", topic)
    return [{"key": bytes(r["key"]).decode(), **json.loads(bytes(r["value"]))} for r in rows]


async def save(pool, command: SaveRule) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    async with ReferralUnitOfWork(pool, TopicLayout()) as uow:
        saved = await save_rule(command, uow)
        await uow.commit()
    return saved


async def test_the_seed_announces_every_rule_in_force(referral_pool) -> None:  # type: ignore[no-untyped-def]
    events = await announced(referral_pool, "routing.rules")
    jkn = [e for e in events if e["key"] == "JKN-PBI"]
    assert jkn and jkn[0]["type"] == "id.slrt.routing.rule_changed.v1"
    assert jkn[0]["data"]["agencies"] == ["DINSOS", "BPJSKES"]
    assert (jkn[0]["data"]["scope"], jkn[0]["data"]["version"]) == ("", 1)


async def test_an_announced_agency_may_be_named_by_a_rule_once_and_changes_are_announced(
    referral_pool,
) -> None:  # type: ignore[no-untyped-def]
    command = SaveRule("LANSIA", "32.15.04", ["DINSOSKAB", "DINSOS"], 6, "admin", AT)
    with pytest.raises(Refusal) as refused:
        await save(referral_pool, command)
    assert refused.value.code == "invalid_rule"

    registered = AgencyRegistered(
        code="DINSOSKAB",
        name_id="Dinas Sosial Kabupaten",
        name_en="Regency Social Affairs",
        kind="opd",
        registered_at=AT,
    )
    event = new_event(registered, source="/slrt/agency-gateway", subject="DINSOSKAB")
    deliver = with_inbox(
        lambda: ReferralUnitOfWork(referral_pool, TopicLayout()),
        AgencyRegistered,
        on_agency_registered,
    )
    await deliver(event)
    await deliver(event)  # a redelivery does nothing
    assert (
        await referral_pool.fetchval("SELECT count(*) FROM inbox WHERE event_id = $1", event.id)
        == 1
    )
    row = await referral_pool.fetchrow("SELECT * FROM agencies WHERE code = 'DINSOSKAB'")
    assert (row["name_en"], row["kind"]) == ("Regency Social Affairs", "opd")

    saved = await save(referral_pool, command)
    assert saved["agencies"] == ["DINSOSKAB", "DINSOS"]
    async with ReferralUnitOfWork(referral_pool, TopicLayout()) as uow:
        await remove_override(RemoveOverride("LANSIA", "32.15.04", "admin", AT), uow)
        await uow.commit()
    changes = [
        e for e in await announced(referral_pool, "routing.rules") if e["key"] == "LANSIA/32.15.04"
    ]
    assert [e["data"] for e in changes] == [
        {
            "service_code": "LANSIA",
            "scope": "32.15.04",
            "agencies": ["DINSOSKAB", "DINSOS"],
            "sla_working_days": 6,
            "version": 1,
            "removed": False,
            "stages": [],
            "at": "2026-11-30T03:00:00Z",
        },
        {
            "service_code": "LANSIA",
            "scope": "32.15.04",
            "agencies": [],
            "sla_working_days": None,
            "version": 2,
            "removed": True,
            "stages": [],
            "at": "2026-11-30T03:00:00Z",
        },
    ]


async def test_a_service_without_a_district_rule_is_unknown(referral_pool) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(Refusal) as refused:
        await save(referral_pool, SaveRule("NOPE", "", ["DINSOS"], 5, "admin"))
    assert refused.value.code == "unknown_service"
