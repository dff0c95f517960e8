"""Topics, a database, and one locked-down role per service owning its own schema."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
from urllib.parse import quote, urlsplit, urlunsplit

import asyncpg
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError, for_code

from slrt_shared.contracts.topics import TopicLayout, TopicSpec

SCHEMAS = ("intake", "referral", "gateway", "monitoring")


async def create_topics(
    bootstrap: str, layout: TopicLayout, agency_codes: list[str], partitions: int = 6
) -> list[str]:
    """Create every topic the platform needs that does not exist yet; return those created."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        # Each with the chart's retention: a personal topic's dead letters go when it does.
        missing = [
            NewTopic(spec.name, spec.partitions, 1, topic_configs=_configs(spec))
            for spec in layout.all_topics(agency_codes, partitions)
            if spec.name not in existing
        ]
        if missing:
            response = await admin.create_topics(missing)
            # The broker answers per topic; another run may have created some meanwhile.
            failed = [
                f"{entry[0]}: {for_code(entry[1]).__name__}"
                for entry in response.topic_errors
                if entry[1] not in (0, TopicAlreadyExistsError.errno)
            ]
            if failed:
                raise RuntimeError(f"could not create topics: {', '.join(failed)}")
            await wait_for_leaders(admin, [t.name for t in missing])
        return [t.name for t in missing]
    finally:
        await admin.close()


def _configs(spec: TopicSpec) -> dict[str, str]:
    return {} if spec.retention_ms is None else {"retention.ms": str(spec.retention_ms)}


async def wait_for_leaders(admin: AIOKafkaAdminClient, names: list[str]) -> None:
    """Wait until every partition of the new topics has a leader, so first writes succeed."""
    for _ in range(300):
        described = await admin.describe_topics(names)
        if all(
            t.get("error_code", 0) == 0 and all(p.get("leader", -1) >= 0 for p in t["partitions"])
            for t in described
        ):
            return
        await asyncio.sleep(0.1)
    raise RuntimeError(f"topics still without a partition leader after 30s: {names}")


async def delete_topics(bootstrap: str, prefix: str) -> None:
    """Delete every topic under a (non-empty) prefix."""
    if not prefix:
        raise ValueError("refusing to delete topics without a prefix")
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        doomed = [t for t in await admin.list_topics() if t.startswith(prefix)]
        if doomed:
            await admin.delete_topics(doomed)
    finally:
        await admin.close()


def role_password(admin_url: str, role: str) -> str:
    """Derive a role's password from the admin secret, so re-runs agree without storing it."""
    secret = (urlsplit(admin_url).password or "slrt").encode()
    return hmac.new(secret, role.encode(), hashlib.sha256).hexdigest()[:32]


async def create_database(admin_url: str, dbname: str, role_prefix: str = "") -> dict[str, str]:
    """Create the database and each service's role and schema; return each role's DSN."""
    _check_identifier(dbname)
    admin = await asyncpg.connect(admin_url)
    try:
        if not await admin.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", dbname):
            await admin.execute(f'CREATE DATABASE "{dbname}"')
        await admin.execute(f'REVOKE ALL ON DATABASE "{dbname}" FROM PUBLIC')
        for schema in SCHEMAS:
            role = f"{role_prefix}{schema}"
            _check_identifier(role)
            password = role_password(admin_url, role)
            verb = (
                "ALTER"
                if await admin.fetchval("SELECT 1 FROM pg_roles WHERE rolname = $1", role)
                else "CREATE"
            )
            await admin.execute(
                f'{verb} ROLE "{role}" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE '
                f"PASSWORD '{password}'"
            )
            await admin.execute(f'GRANT CONNECT, TEMPORARY ON DATABASE "{dbname}" TO "{role}"')
    finally:
        await admin.close()

    db = await asyncpg.connect(_with_database(admin_url, dbname))
    try:
        await db.execute("REVOKE ALL ON SCHEMA public FROM PUBLIC")
        for schema in SCHEMAS:
            role = f"{role_prefix}{schema}"
            await db.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}" AUTHORIZATION "{role}"')
            await db.execute(f'REVOKE ALL ON SCHEMA "{schema}" FROM PUBLIC')
            await db.execute(
                f'ALTER ROLE "{role}" IN DATABASE "{dbname}" SET search_path = "{schema}"'
            )
    finally:
        await db.close()

    return {schema: _dsn(admin_url, dbname, f"{role_prefix}{schema}") for schema in SCHEMAS}


async def drop_database(admin_url: str, dbname: str, role_prefix: str = "") -> None:
    """Drop a database and its service roles."""
    _check_identifier(dbname)
    admin = await asyncpg.connect(admin_url)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')
        for schema in SCHEMAS:
            await admin.execute(f'DROP ROLE IF EXISTS "{role_prefix}{schema}"')
    finally:
        await admin.close()


def _dsn(admin_url: str, dbname: str, role: str) -> str:
    parts = urlsplit(admin_url)
    host = parts.hostname or "127.0.0.1"
    netloc = f"{quote(role)}:{quote(role_password(admin_url, role))}@{host}"
    if parts.port:
        netloc += f":{parts.port}"
    return urlunsplit((parts.scheme, netloc, f"/{dbname}", parts.query, ""))


def _with_database(url: str, dbname: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{dbname}", parts.query, ""))


def _check_identifier(name: str) -> None:
    if not name.replace("_", "").isalnum() or not name.islower():
        raise ValueError(f"invalid identifier {name!r}")
