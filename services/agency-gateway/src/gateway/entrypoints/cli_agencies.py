"""`python -m gateway keys|agencies ...`: the admin's tool for agency keys and registrations."""

from __future__ import annotations

import argparse
import asyncio
from dataclasses import dataclass
from uuid import UUID

import asyncpg
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType
from aiokafka.errors import TopicAlreadyExistsError, for_code

from gateway.adapters import registry
from gateway.adapters.directory_store import RegistryOnConnection
from gateway.domain.directory import Agency
from gateway.service_layer.directory import RegisterAgencies, register_agencies
from gateway.settings import GatewaySettings
from slrt_shared.contracts.topics import TopicLayout
from slrt_shared.kafka_security import client_options
from slrt_shared.tokens import hash_token, new_token


async def issue_key(conn: asyncpg.Connection, agency_code: str) -> tuple[UUID, str]:
    """Issue a key for an agency; the key is returned once, only its hash is kept."""
    if not await registry.agency_exists(conn, agency_code):
        raise SystemExit(f"unknown agency {agency_code}")
    key = new_token("ak_")
    return await registry.add_key(conn, hash_token(key), agency_code), key


async def rotate_key(conn: asyncpg.Connection, agency_code: str) -> tuple[UUID, str]:
    """Issue a new key and revoke the agency's other keys at once."""
    async with conn.transaction():
        key_id, key = await issue_key(conn, agency_code)
        await registry.revoke_other_keys(conn, agency_code, key_id)
    return key_id, key


async def revoke_key(conn: asyncpg.Connection, key_id: UUID) -> bool:
    """Revoke one key at once."""
    return await registry.revoke_key(conn, key_id)


@dataclass(frozen=True)
class AgencyTopic:
    """An agency's topic as the cluster has it."""

    name: str
    created: bool
    partitions: int
    replicas: int
    min_insync_replicas: int


async def register_agency(
    conn: asyncpg.Connection,
    settings: GatewaySettings,
    code: str,
    name_id: str,
    name_en: str,
    kind: str,
) -> AgencyTopic:
    """Create an agency's own Kafka topic (as the settings say), add it to the registry and
    announce it on directory.agencies, so that a routing rule may name it."""
    layout = TopicLayout(settings.topic_prefix)
    topic = await create_agency_topic(settings, layout.agency(code))
    async with conn.transaction():
        unit = RegistryOnConnection(conn, layout)
        await register_agencies(RegisterAgencies((Agency(code, name_id, name_en, kind),)), unit)
        await unit.flush()
    return topic


async def create_agency_topic(settings: GatewaySettings, topic: str) -> AgencyTopic:
    """Create the topic with the settings' partitions, replicas and configs unless it exists."""
    configs = {"min.insync.replicas": str(settings.agency_topic_min_insync_replicas)}
    if settings.agency_topic_retention_ms is not None:
        configs["retention.ms"] = str(settings.agency_topic_retention_ms)
    admin = AIOKafkaAdminClient(
        bootstrap_servers=settings.kafka_bootstrap_servers, **client_options(settings)
    )
    await admin.start()
    try:
        response = await admin.create_topics(
            [
                NewTopic(
                    topic,
                    settings.agency_topic_partitions,
                    settings.agency_topic_replicas,
                    topic_configs=configs,
                )
            ]
        )
        # The broker answers per topic instead of raising.
        _, error_code, *rest = response.topic_errors[0]
        if error_code not in (0, TopicAlreadyExistsError.errno):
            detail = rest[0] if rest and rest[0] else ""
            raise SystemExit(f"could not create {topic}: {for_code(error_code).__name__} {detail}")
        return await _describe_topic(admin, topic, created=error_code == 0)
    finally:
        await admin.close()


async def _describe_topic(admin: AIOKafkaAdminClient, topic: str, *, created: bool) -> AgencyTopic:
    # A topic just created may be described before its partitions are known to the broker
    # that answers: ask again for a little while.
    for _ in range(50):
        (described,) = await admin.describe_topics([topic])
        if described["partitions"]:
            break
        await asyncio.sleep(0.2)
    else:
        raise SystemExit(f"{topic} was created but its partitions did not show in 10 s")
    (response,) = await admin.describe_configs(
        [ConfigResource(ConfigResourceType.TOPIC, topic, {"min.insync.replicas": None})]
    )
    entries = {entry[0]: entry[1] for entry in response.resources[0][4]}
    return AgencyTopic(
        name=topic,
        created=created,
        partitions=len(described["partitions"]),
        replicas=min(len(p["replicas"]) for p in described["partitions"]),
        min_insync_replicas=int(entries["min.insync.replicas"]),
    )


def main(argv: list[str]) -> None:
    """Run a keys or agencies command."""
    parser = argparse.ArgumentParser(prog="gateway", description=__doc__)
    sub = parser.add_subparsers(dest="group", required=True)
    keys = sub.add_parser("keys").add_subparsers(dest="command", required=True)
    keys.add_parser("issue").add_argument("agency")
    keys.add_parser("rotate").add_argument("agency")
    keys.add_parser("revoke").add_argument("key_id", type=UUID)
    keys.add_parser("list").add_argument("--agency")
    agencies = sub.add_parser("agencies").add_subparsers(dest="command", required=True)
    register = agencies.add_parser("register")
    register.add_argument("code")
    register.add_argument("--name-id", required=True)
    register.add_argument("--name-en", required=True)
    register.add_argument("--kind", default="opd")
    args = parser.parse_args(argv)
    settings = GatewaySettings()

    async def run() -> None:
        conn = await asyncpg.connect(
            settings.database_url, server_settings={"search_path": "gateway"}
        )
        try:
            if args.group == "agencies":
                topic = await register_agency(
                    conn, settings, args.code, args.name_id, args.name_en, args.kind
                )
                print(f"registered {args.code}; its topic is {topic.name}")
                wanted = (settings.agency_topic_replicas, settings.agency_topic_min_insync_replicas)
                if (topic.replicas, topic.min_insync_replicas) != wanted:
                    print(
                        f"warning: {topic.name} already existed with {topic.replicas} replica(s)"
                        f" and min.insync.replicas={topic.min_insync_replicas}; the settings ask"
                        f" for {wanted[0]} and {wanted[1]} (change it with kafka-topics/Strimzi)"
                    )
            elif args.command in ("issue", "rotate"):
                make = issue_key if args.command == "issue" else rotate_key
                key_id, key = await make(conn, args.agency)
                print(f"id:  {key_id}\nkey: {key}\n(shown once; only its hash is kept)")
            elif args.command == "revoke":
                if not await revoke_key(conn, args.key_id):
                    raise SystemExit(f"no active key with id {args.key_id}")
                print(f"revoked {args.key_id}")
            else:
                for r in await registry.keys(conn, args.agency):
                    state = f"revoked {r['revoked_at']:%Y-%m-%d}" if r["revoked_at"] else "active"
                    print(f"{r['id']}  {r['agency_code']:<14} {state}")
        finally:
            await conn.close()

    asyncio.run(run())
