"""`python -m gateway keys|agencies ...`: the admin's tool for agency keys and registrations."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
from uuid import UUID

import asyncpg
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError

from gateway.settings import GatewaySettings
from slrt_shared.contracts.topics import TopicLayout
from slrt_shared.kafka_security import client_options
from slrt_shared.tokens import hash_token, new_token


async def issue_key(conn: asyncpg.Connection, agency_code: str) -> tuple[UUID, str]:
    """Issue a key for an agency; the key is returned once, only its hash is kept."""
    if not await conn.fetchval("SELECT 1 FROM agencies WHERE code = $1", agency_code):
        raise SystemExit(f"unknown agency {agency_code}")
    key = new_token("ak_")
    key_id = await conn.fetchval(
        "INSERT INTO agency_keys (key_hash, agency_code) VALUES ($1, $2) RETURNING id",
        hash_token(key),
        agency_code,
    )
    return key_id, key


async def rotate_key(conn: asyncpg.Connection, agency_code: str) -> tuple[UUID, str]:
    """Issue a new key and revoke the agency's other keys at once."""
    async with conn.transaction():
        key_id, key = await issue_key(conn, agency_code)
        await conn.execute(
            "UPDATE agency_keys SET revoked_at = now() WHERE agency_code = $1 AND id <> $2"
            " AND revoked_at IS NULL",
            agency_code,
            key_id,
        )
    return key_id, key


async def revoke_key(conn: asyncpg.Connection, key_id: UUID) -> bool:
    """Revoke one key at once."""
    done = await conn.execute(
        "UPDATE agency_keys SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL", key_id
    )
    return bool(done.endswith(" 1"))


async def register_agency(
    conn: asyncpg.Connection,
    settings: GatewaySettings,
    code: str,
    name_id: str,
    name_en: str,
    kind: str,
) -> str:
    """Add an agency to the registry and create its own Kafka topic; return the topic."""
    await conn.execute(
        "INSERT INTO agencies (code, name_id, name_en, kind) VALUES ($1, $2, $3, $4)"
        " ON CONFLICT (code) DO UPDATE SET name_id = EXCLUDED.name_id,"
        " name_en = EXCLUDED.name_en, kind = EXCLUDED.kind",
        code,
        name_id,
        name_en,
        kind,
    )
    topic = TopicLayout(settings.topic_prefix).agency(code)
    admin = AIOKafkaAdminClient(
        bootstrap_servers=settings.kafka_bootstrap_servers, **client_options(settings)
    )
    await admin.start()
    try:
        with contextlib.suppress(TopicAlreadyExistsError):
            await admin.create_topics([NewTopic(topic, 6, 1)])
    finally:
        await admin.close()
    return topic


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
    settings = GatewaySettings()  # type: ignore[call-arg]

    async def run() -> None:
        conn = await asyncpg.connect(
            settings.database_url, server_settings={"search_path": "gateway"}
        )
        try:
            if args.group == "agencies":
                topic = await register_agency(
                    conn, settings, args.code, args.name_id, args.name_en, args.kind
                )
                print(f"registered {args.code}; its topic is {topic}")
            elif args.command in ("issue", "rotate"):
                make = issue_key if args.command == "issue" else rotate_key
                key_id, key = await make(conn, args.agency)
                print(f"id:  {key_id}\nkey: {key}\n(shown once; only its hash is kept)")
            elif args.command == "revoke":
                if not await revoke_key(conn, args.key_id):
                    raise SystemExit(f"no active key with id {args.key_id}")
                print(f"revoked {args.key_id}")
            else:
                rows = await conn.fetch(
                    "SELECT id, agency_code, created_at, revoked_at FROM agency_keys"
                    " WHERE $1::text IS NULL OR agency_code = $1 ORDER BY created_at DESC",
                    args.agency,
                )
                for r in rows:
                    state = f"revoked {r['revoked_at']:%Y-%m-%d}" if r["revoked_at"] else "active"
                    print(f"{r['id']}  {r['agency_code']:<14} {state}")
        finally:
            await conn.close()

    asyncio.run(run())
