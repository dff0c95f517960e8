"""`python -m gateway agencies register`: the new agency's topic is made as the settings say."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass

import asyncpg
import pytest
import pytest_asyncio
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType

from gateway.app import build
from gateway.entrypoints import cli_agencies as admin
from gateway.settings import GatewaySettings
from slrt_devstack import fixtures
from slrt_shared.contracts.envelope import decode
from slrt_shared.contracts.events import AgencyRegistered

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]

# DescribeConfigs' config_source for a value set on the topic itself, not a broker default.
TOPIC_CONFIG = 1
THIRTY_DAYS_MS = 2_592_000_000


@dataclass(frozen=True)
class Registry:
    settings: GatewaySettings
    dsn: str


@pytest_asyncio.fixture(loop_scope="session")
async def registry(test_env) -> AsyncIterator[Registry]:  # type: ignore[no-untyped-def]
    """A migrated gateway schema of its own, and topics under a prefix of its own."""
    from slrt_devstack import provision

    async with fixtures.scratch_database(test_env.admin_url, "r") as scratch:
        settings = GatewaySettings(
            database_url=scratch.dsn("gateway"),
            kafka_bootstrap_servers=test_env.kafka_bootstrap_servers,
            topic_prefix=f"{test_env.topic_prefix}{scratch.run}.",
            agency_topic_partitions=4,
            # One local broker: a district's chart sets 3 and 2 (see values.yaml, kafka.topics).
            agency_topic_replicas=1,
            agency_topic_min_insync_replicas=1,
            agency_topic_retention_ms=THIRTY_DAYS_MS,
            log_json=False,
        )
        await build(settings)[0].migrate()
        try:
            yield Registry(settings, scratch.dsn("gateway"))
        finally:
            # the gateway makes the agencies' topics itself: only they are there to delete
            await provision.delete_topics(test_env.kafka_bootstrap_servers, settings.topic_prefix)


async def topic_as_the_broker_has_it(bootstrap: str, topic: str) -> tuple[list[int], dict]:
    """Replica count of each partition, and the topic's configs with their source."""
    client = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await client.start()
    try:
        (described,) = await client.describe_topics([topic])
        (response,) = await client.describe_configs(
            [ConfigResource(ConfigResourceType.TOPIC, topic, None)]
        )
    finally:
        await client.close()
    configs = {e[0]: (e[1], e[3]) for e in response.resources[0][4]}
    return [len(p["replicas"]) for p in described["partitions"]], configs


async def test_a_registered_agency_gets_a_topic_with_the_configured_replication(registry) -> None:
    settings = registry.settings
    conn = await asyncpg.connect(registry.dsn)
    try:
        topic = await admin.register_agency(
            conn, settings, "DINSOSKAB", "Dinas Sosial Kabupaten", "Regency Social Affairs", "opd"
        )
        assert await conn.fetchval("SELECT name_en FROM agencies WHERE code = 'DINSOSKAB'") == (
            "Regency Social Affairs"
        )
    finally:
        await conn.close()

    name = f"{settings.topic_prefix}agency.DINSOSKAB.referrals"
    replicas, configs = await topic_as_the_broker_has_it(settings.kafka_bootstrap_servers, name)
    # Set on the topic, not inherited from the broker: 1 here because the settings say 1.
    assert configs["min.insync.replicas"] == ("1", TOPIC_CONFIG)
    assert configs["retention.ms"] == (str(THIRTY_DAYS_MS), TOPIC_CONFIG)
    assert replicas == [1, 1, 1, 1]
    assert topic == admin.AgencyTopic(
        name, created=True, partitions=4, replicas=1, min_insync_replicas=1
    )


async def test_the_command_reads_the_topic_settings_from_the_environment(
    registry, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = registry.settings
    for name, value in {
        "GATEWAY_DATABASE_URL": registry.dsn,
        "KAFKA_BOOTSTRAP_SERVERS": settings.kafka_bootstrap_servers,
        "SLRT_TOPIC_PREFIX": settings.topic_prefix,
        "GATEWAY_AGENCY_TOPIC_PARTITIONS": "2",
        "GATEWAY_AGENCY_TOPIC_REPLICAS": "1",
        "GATEWAY_AGENCY_TOPIC_MIN_INSYNC_REPLICAS": "1",
        "GATEWAY_AGENCY_TOPIC_RETENTION_MS": "86400000",
    }.items():
        monkeypatch.setenv(name, value)
    argv = ["agencies", "register", "DISHUB", "--name-id", "Dinas Perhubungan"]
    await asyncio.to_thread(admin.main, [*argv, "--name-en", "Transport Agency"])
    topic = f"{settings.topic_prefix}agency.DISHUB.referrals"
    assert capsys.readouterr().out.strip() == f"registered DISHUB; its topic is {topic}"
    replicas, configs = await topic_as_the_broker_has_it(settings.kafka_bootstrap_servers, topic)
    assert replicas == [1, 1]
    assert configs["min.insync.replicas"] == ("1", TOPIC_CONFIG)
    assert configs["retention.ms"] == ("86400000", TOPIC_CONFIG)

    # Registering again keeps the topic and says when it is not what the settings ask for.
    monkeypatch.setenv("GATEWAY_AGENCY_TOPIC_REPLICAS", "3")
    monkeypatch.setenv("GATEWAY_AGENCY_TOPIC_MIN_INSYNC_REPLICAS", "2")
    await asyncio.to_thread(admin.main, [*argv, "--name-en", "Transport Agency"])
    warning = capsys.readouterr().out.splitlines()[1]
    assert warning.startswith(f"warning: {topic} already existed with 1 replica(s)")


async def test_a_registered_agency_is_announced_on_directory_agencies(registry) -> None:
    settings = registry.settings
    conn = await asyncpg.connect(registry.dsn)
    try:
        await admin.register_agency(
            conn,
            settings,
            "DINSOSPROV",
            "Dinas Sosial Provinsi",
            "Provincial Social Affairs",
            "opd",
        )
        rows = await conn.fetch(
            "SELECT topic, key, value FROM outbox WHERE topic = $1",
            f"{settings.topic_prefix}directory.agencies",
        )
    finally:
        await conn.close()
    (row,) = [r for r in rows if bytes(r["key"]) == b"DINSOSPROV"]
    event = decode(bytes(row["value"]))
    assert event.subject == "DINSOSPROV"
    assert event.payload() == AgencyRegistered(
        code="DINSOSPROV",
        name_id="Dinas Sosial Provinsi",
        name_en="Provincial Social Affairs",
        kind="opd",
        registered_at=event.payload_as(AgencyRegistered).registered_at,
    )
