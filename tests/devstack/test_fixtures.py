"""The shared integration-test building blocks make what they promise and leave nothing behind."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import asyncpg
import pytest
from aiokafka.admin import AIOKafkaAdminClient
from pydantic_settings import SettingsConfigDict

from slrt_devstack import fixtures
from slrt_devstack.testing import eventually
from slrt_shared.contracts import topics
from slrt_shared.runtime import ServiceRuntime
from slrt_shared.settings import ServiceSettings

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]


class DemoSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="DEMO_", extra="ignore")


def notes_migrations(folder: Path) -> Path:
    """A service's migrations folder of one table, for a schema of the scratch database."""
    (folder / "001_notes.sql").write_text("CREATE TABLE notes (code text PRIMARY KEY, by text);")
    return folder


async def load_notes(conn: asyncpg.Connection, credentials: dict[str, Any], regency: str) -> None:
    """A seed loader: one row per operator of the credentials, idempotent."""
    await conn.executemany(
        "INSERT INTO notes VALUES ($1, $2) ON CONFLICT (code) DO NOTHING",
        [(village, regency) for village in credentials["operators"]],
    )


async def database_exists(admin_url: str, name: str) -> bool:
    conn = await asyncpg.connect(admin_url)
    try:
        return bool(await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name))
    finally:
        await conn.close()


async def topic_names(bootstrap: str, prefix: str) -> set[str]:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        return {t for t in await admin.list_topics() if t.startswith(prefix)}
    finally:
        await admin.close()


async def test_a_scratch_database_has_each_services_role_and_is_dropped_after(
    test_env: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(fixtures.KEEP, raising=False)
    async with fixtures.scratch_database(test_env.admin_url, "f") as scratch:
        assert scratch.name == f"slrt_{scratch.run}" and scratch.run.startswith("f")
        assert await database_exists(test_env.admin_url, scratch.name)
        conn = await asyncpg.connect(scratch.dsn("gateway"))
        try:
            assert await conn.fetchval("SELECT current_user") == f"{scratch.run}_gateway"
        finally:
            await conn.close()
    assert not await database_exists(test_env.admin_url, scratch.name)


async def test_scratch_topics_live_under_their_own_prefix_and_are_deleted_after(
    test_env: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(fixtures.KEEP, raising=False)
    bootstrap = test_env.kafka_bootstrap_servers
    async with fixtures.scratch_topics(bootstrap, test_env.topic_prefix, "ft1") as layout:
        assert layout.prefix == f"{test_env.topic_prefix}ft1."
        made = await topic_names(bootstrap, layout.prefix)
        assert layout.name(topics.COMPLAINT_CREATED) in made
        assert layout.agency("DINSOS") in made

    async def gone() -> bool:
        return not await topic_names(bootstrap, layout.prefix)

    assert await eventually(gone)  # Kafka deletes topics in the background


async def test_a_service_is_migrated_and_seeded_in_process_and_by_its_command(
    test_env: Any, tmp_path: Path
) -> None:
    credentials = {"operators": {"32.15.02.2001": "op_a", "32.15.02.2002": "op_b"}}
    async with fixtures.scratch_database(test_env.admin_url, "f") as scratch:
        dsn = scratch.dsn("referral")
        applied = await fixtures.migrate(dsn, "referral", "demo", notes_migrations(tmp_path))
        assert applied[-1] == "demo/001_notes"
        for _ in range(2):
            await fixtures.seed(dsn, "referral", load_notes, credentials, "32.15")
        # the same seed step a service's `python -m <pkg> seed` runs, as `make up` does
        done = await fixtures.seed_by_command(
            "monitoring", scratch.dsn("monitoring"), {"admin": "x"}, "32.15", tmp_path
        )
        assert done.returncode == 0
        async with fixtures.pool(dsn, "referral") as referral:
            rows = await referral.fetch("SELECT code, by FROM notes ORDER BY code")
            assert [tuple(r) for r in rows] == [
                ("32.15.02.2001", "32.15"),
                ("32.15.02.2002", "32.15"),
            ]
        async with fixtures.pool(scratch.dsn("monitoring"), "monitoring") as monitoring:
            regencies = await monitoring.fetch("SELECT code FROM regions WHERE level = 'regency'")
            assert [r["code"] for r in regencies] == ["32.15"]


async def test_a_built_service_runs_and_answers_through_its_asgi_app(
    test_env: Any, tmp_path: Path
) -> None:
    bootstrap = test_env.kafka_bootstrap_servers
    async with (
        fixtures.scratch_database(test_env.admin_url, "f") as scratch,
        fixtures.scratch_topics(bootstrap, test_env.topic_prefix, scratch.run) as layout,
    ):
        settings = DemoSettings(
            database_url=scratch.dsn("referral"),
            kafka_bootstrap_servers=bootstrap,
            topic_prefix=layout.prefix,
            log_json=False,
        )
        runtime = ServiceRuntime("demo", "referral", settings, notes_migrations(tmp_path))
        app = runtime.http_app("demo", "a service of the tests")
        async with fixtures.running_service(runtime, app, "demo") as http:
            ready = await http.get("/readyz")
            assert ready.status_code == 200, ready.text
            assert await runtime.pool.fetchval("SELECT count(*) FROM notes") == 0
        with pytest.raises(RuntimeError, match="pool is not open"):
            _ = runtime.pool


async def test_a_stack_beside_the_sessions_has_a_database_and_topics_of_its_own(
    test_env: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(fixtures.KEEP, raising=False)
    bootstrap = test_env.kafka_bootstrap_servers
    async with test_env.beside("fs") as stack:
        assert stack.database != test_env.database and stack.run.startswith("fs")
        assert stack.topic_prefix == f"{test_env.topic_prefix}{stack.run}."
        assert stack.layout.agency("DINSOS") in await topic_names(bootstrap, stack.topic_prefix)
        assert stack.settings("intake") == {
            "database_url": stack.dsn("intake"),
            "kafka_bootstrap_servers": bootstrap,
            "topic_prefix": stack.topic_prefix,
            "log_json": False,
        }
        conn = await asyncpg.connect(stack.database_admin_url)
        try:
            assert await conn.fetchval("SELECT current_database()") == stack.database
        finally:
            await conn.close()
    assert not await database_exists(test_env.admin_url, stack.database)


async def test_a_scratch_schema_is_migrated_seeded_and_pooled_then_dropped(
    test_env: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(fixtures.KEEP, raising=False)
    credentials = {"operators": {"32.15.02.2001": "op_a"}}
    async with fixtures.scratch_schema(
        test_env.admin_url, "f", "referral", notes_migrations(tmp_path), load_notes, credentials
    ) as scratch:
        assert scratch.dsn == scratch.database.dsn("referral")
        rows = await scratch.pool.fetch("SELECT code, by FROM notes")
        assert [tuple(r) for r in rows] == [("32.15.02.2001", fixtures.REGENCY)]
        # recorded under the schema's name unless told another
        ledger = await scratch.pool.fetch("SELECT component, version FROM schema_migrations")
        assert ("referral", 1) in {tuple(r) for r in ledger}
    assert not await database_exists(test_env.admin_url, scratch.database.name)


async def test_the_migrations_before_a_number_are_copied_and_no_later_one(tmp_path: Path) -> None:
    service = tmp_path / "migrations"
    service.mkdir()
    for name in ("001_cases.sql", "002_referrals.sql", "010_notes.sql"):
        (service / name).write_text(f"-- {name}")
    before = fixtures.migrations_before(service, 10, tmp_path / "before")
    assert sorted(p.name for p in before.iterdir()) == ["001_cases.sql", "002_referrals.sql"]
    assert (before / "002_referrals.sql").read_text() == "-- 002_referrals.sql"
