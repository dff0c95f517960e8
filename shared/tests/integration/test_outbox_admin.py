"""`python -m <service> outbox list|retry` against a real database, in every service."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from uuid import uuid4

import asyncpg
import pytest
import pytest_asyncio
from fastapi import FastAPI

from slrt_devstack import fixtures
from slrt_shared import db
from slrt_shared.runtime import ServiceRuntime, run_cli
from slrt_shared.settings import ServiceSettings

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]

# package and settings prefix of each service (python -m <package>)
SERVICES = {
    "intake": ("intake", "INTAKE"),
    "referral": ("referral", "REFERRAL"),
    "gateway": ("gateway", "GATEWAY"),
    "monitoring": ("monitoring", "MONITORING"),
}


async def park(pool: asyncpg.Pool, topic: str, key: str, error: str) -> int:
    """An outbox row as the relay leaves it after a failed publish."""
    row_id: int = await pool.fetchval(
        "INSERT INTO outbox (event_id, topic, key, value, attempts, last_error,"
        " first_failed_at, last_failed_at, next_attempt_at)"
        " VALUES ($1, $2, $3, '{}', 3, $4, now() - interval '10 minutes', now(),"
        " now() + interval '4 minutes') RETURNING id",
        uuid4(),
        topic,
        key.encode(),
        error,
    )
    return row_id


async def wait_behind(pool: asyncpg.Pool, topic: str, key: str) -> int:
    row_id: int = await pool.fetchval(
        "INSERT INTO outbox (event_id, topic, key, value) VALUES ($1, $2, $3, '{}') RETURNING id",
        uuid4(),
        topic,
        key.encode(),
    )
    return row_id


def cli(dsn: str, *argv: str) -> None:
    """Run the command as a service's `__main__` does, in a thread of its own (it runs a loop)."""
    settings = ServiceSettings(database_url=dsn)
    runtime = ServiceRuntime("referral", "referral", settings, Path(__file__).parent)
    run_cli(lambda: (runtime, FastAPI()), argv=list(argv))


async def test_outbox_list_shows_parked_events_and_retry_makes_them_due(
    scratch, capsys: pytest.CaptureFixture[str]
) -> None:
    key = str(uuid4())
    parked = await park(
        scratch.pool, "agency.NEW.referrals", key, "[Error 3] UnknownTopicOrPartitionError"
    )
    await wait_behind(scratch.pool, "referral.dispatched", key)
    other = await park(scratch.pool, "case.resolved", str(uuid4()), "MessageSizeTooLargeError")

    await asyncio.to_thread(cli, scratch.dsn, "outbox", "list")
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == [
        "id",
        "topic",
        "key",
        "attempts",
        "since",
        "(UTC)",
        "next",
        "try",
        "waiting",
        "error",
    ]
    first = lines[1].split()
    assert first[:4] == [str(parked), "agency.NEW.referrals", key, "3"]
    assert first[6] == "in"  # about four minutes from now
    assert first[8:] == ["s", "1", "[Error", "3]", "UnknownTopicOrPartitionError"]
    assert lines[2].split()[:2] == [str(other), "case.resolved"]

    await asyncio.to_thread(cli, scratch.dsn, "outbox", "retry", str(parked))
    assert capsys.readouterr().out.strip() == f"1 parked event(s) due now: {parked}"
    due = await scratch.pool.fetch(
        "SELECT id FROM outbox WHERE next_attempt_at <= now() ORDER BY id"
    )
    assert [r["id"] for r in due] == [parked]

    with pytest.raises(SystemExit, match=f"not parked: {parked + 1000}"):
        await asyncio.to_thread(cli, scratch.dsn, "outbox", "retry", str(parked + 1000))
    with pytest.raises(SystemExit):  # neither ids nor --all
        await asyncio.to_thread(cli, scratch.dsn, "outbox", "retry")
    capsys.readouterr()

    await asyncio.to_thread(cli, scratch.dsn, "outbox", "retry", "--all")
    assert capsys.readouterr().out.strip() == f"2 parked event(s) due now: {parked} {other}"
    assert (
        await scratch.pool.fetchval("SELECT count(*) FROM outbox WHERE next_attempt_at > now()")
        == 0
    )


def command(package: str, env: dict[str, str], *argv: str) -> str:
    """Run `python -m <package> outbox ...` and return what it printed."""
    done = subprocess.run(
        [sys.executable, "-m", package, "outbox", *argv],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return done.stdout


@pytest_asyncio.fixture(loop_scope="session")
async def four_outboxes(test_env, tmp_path: Path) -> AsyncIterator[dict[str, str]]:  # type: ignore[no-untyped-def]
    """A database whose four service schemas hold the shared messaging tables."""
    async with fixtures.scratch_database(test_env.admin_url, "o") as scratch:
        for schema, dsn in scratch.dsns.items():
            await db.migrate(dsn, schema, "test", tmp_path)
        yield scratch.dsns


@pytest.mark.parametrize("schema", list(SERVICES))
async def test_every_service_has_the_outbox_command(four_outboxes, schema: str) -> None:
    package, prefix = SERVICES[schema]
    dsn = four_outboxes[schema]
    async with fixtures.pool(dsn, schema) as pool:
        parked = await park(pool, f"{schema}.topic", str(uuid4()), "TopicAuthorizationFailedError")
        env = {**os.environ, f"{prefix}_DATABASE_URL": dsn}
        listed = await asyncio.to_thread(command, package, env, "list")
        assert listed.splitlines()[1].split()[:2] == [str(parked), f"{schema}.topic"]
        retried = await asyncio.to_thread(command, package, env, "retry", "--all")
        assert retried.strip() == f"1 parked event(s) due now: {parked}"
        assert await pool.fetchval("SELECT next_attempt_at <= now() FROM outbox")
