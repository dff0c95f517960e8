"""The directory shows the routing rules referral announces, not the catalogue's order."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import asyncpg
import pytest
from aiokafka import AIOKafkaProducer

from slrt_devstack.testing import eventually
from slrt_shared.contracts import topics
from slrt_shared.contracts.envelope import CloudEvent, new_event
from slrt_shared.contracts.events import RoutingRuleChanged

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]

NOW = datetime.now(UTC).replace(microsecond=0)
KECAMATAN = "32.15.02"


def changed(scope: str, agencies: list[str], version: int, removed: bool = False) -> CloudEvent:
    data = RoutingRuleChanged(
        service_code="JKN-PBI",
        scope=scope,
        agencies=agencies,
        sla_working_days=None if removed else 4,
        version=version,
        removed=removed,
        at=NOW,
    )
    return new_event(data, source="/slrt/referral", subject=data.record_key)


async def produce(gateway, *events: CloudEvent) -> None:  # type: ignore[no-untyped-def]
    """Publish rule changes as referral does: keyed by the rule, in order."""
    producer = AIOKafkaProducer(bootstrap_servers=gateway.kafka_bootstrap_servers)
    await producer.start()
    try:
        for event in events:
            await producer.send_and_wait(
                gateway.layout.name(topics.ROUTING_RULES), event.to_bytes(), key=event.key
            )
    finally:
        await producer.stop()


async def jkn(gateway, agency: str) -> dict[str, str] | None:  # type: ignore[no-untyped-def]
    """The attributes of JKN-PBI under an agency in the directory, None if it is not listed."""
    directory = (await gateway.http.get("/v1/directory")).json()
    (organization,) = [o for o in directory["organizations"] if o["alternate_name"] == agency]
    for service in organization["services"]:
        if service["alternate_name"] == "JKN-PBI":
            return {a["tag"]: a["value"] for a in service["attributes"]}
    return None


async def test_the_directory_follows_the_rules_announced_on_routing_rules(gateway) -> None:  # type: ignore[no-untyped-def]
    # Before referral announces anything, the seed's catalogue rule: DINSOS, then BPJSKES.
    assert (await jkn(gateway, "DINSOS") or {}).get("routing_position") == "1"
    assert (await jkn(gateway, "BPJSKES") or {}).get("routing_position") == "2"

    reordered = changed("", ["BPJSKES", "DINSOS"], 2)
    override = changed(KECAMATAN, ["DINKES"], 3)
    await produce(gateway, reordered, override)

    async def reordered_and_overridden() -> bool:
        bpjs, dinkes = await jkn(gateway, "BPJSKES"), await jkn(gateway, "DINKES")
        return bool(
            bpjs
            and bpjs.get("routing_position") == "1"
            and dinkes
            and dinkes.get(f"routing_position:{KECAMATAN}") == "1"
        )

    await eventually(reordered_and_overridden)
    dinkes = await jkn(gateway, "DINKES")
    assert dinkes == {
        f"sla_working_days:{KECAMATAN}": "4",
        f"routing_position:{KECAMATAN}": "1",
        f"rule_version:{KECAMATAN}": "3",
    }
    assert await jkn(gateway, "DINSOS") == {
        "sla_working_days": "4",
        "routing_position": "2",
        "rule_version": "2",
    }

    # The same event again, and an older version read late, change nothing; then the override
    # goes, and a redelivery of its removal is processed once.
    removal = changed(KECAMATAN, [], 4, removed=True)
    await produce(gateway, reordered, changed("", ["DINSOS"], 1), removal, removal)

    async def override_gone() -> bool:
        return await jkn(gateway, "DINKES") is None

    await eventually(override_gone)
    assert (await jkn(gateway, "BPJSKES") or {}).get("routing_position") == "1"
    conn = await asyncpg.connect(gateway.dsn)
    try:
        processed = await conn.fetchval(
            "SELECT count(*) FROM inbox WHERE event_id = ANY($1::uuid[])",
            [reordered.id, removal.id],
        )
        kept: Any = await conn.fetch(
            "SELECT scope, agencies, version, removed FROM routing_rules"
            " WHERE service_code = 'JKN-PBI' ORDER BY scope"
        )
    finally:
        await conn.close()
    assert processed == 2
    assert [tuple(r) for r in kept] == [
        ("", ["BPJSKES", "DINSOS"], 2, False),
        (KECAMATAN, [], 4, True),
    ]


async def test_an_agency_in_no_rule_is_listed_without_services(gateway) -> None:  # type: ignore[no-untyped-def]
    directory = (await gateway.http.get("/v1/directory")).json()
    codes = [o["alternate_name"] for o in directory["organizations"]]
    assert codes == sorted(codes)
    assert uuid.UUID(directory["organizations"][0]["id"])
