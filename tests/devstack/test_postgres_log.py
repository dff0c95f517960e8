"""The local Postgres logs slow and failing statements by their text, never a value they carry."""

from __future__ import annotations

import asyncio
from pathlib import Path

import asyncpg
import pytest

from slrt_devstack import postgres, processes
from slrt_devstack.paths import StackPaths

pytestmark = pytest.mark.integration

NIK = "3215019876543210"
NAME = "Siti Nurhaliza Wulandari"
SLOW = "select pg_sleep(1.1), $1::text as nik, $2::text as nama"
FAILING = "select $1::text as nik, 1 / 0 as nol"
RESIDENTS = (
    "create temporary table residents (nik text primary key, nama text check (nama <> $$x$$))"
)
INSERT = "insert into residents (nik, nama) values ($1, $2)"


async def settings_and_statements(url: str) -> dict[str, str]:
    """Read the log settings, then run a slow and a failing statement carrying a NIK."""
    connection = await asyncpg.connect(url)
    try:
        shown = {
            name: str(await connection.fetchval(f"show {name}"))
            for name in (
                "log_min_duration_statement",
                "log_parameter_max_length",
                "log_parameter_max_length_on_error",
                "log_statement",
                "log_error_verbosity",
            )
        }
        # pg_sleep(1.1) lasts at least 1.1 s: always over the 1 s slow-query threshold.
        await connection.fetchrow(SLOW, NIK, NAME)
        with pytest.raises(asyncpg.DivisionByZeroError):
            await connection.fetchrow(FAILING, NIK)
        # Constraint errors' DETAIL quotes the row: "Key (nik)=(...) already exists".
        await connection.execute(RESIDENTS)
        await connection.execute(INSERT, NIK, NAME)
        with pytest.raises(asyncpg.UniqueViolationError):
            await connection.execute(INSERT, NIK, NAME)
        with pytest.raises(asyncpg.CheckViolationError):
            await connection.execute(INSERT, NIK[::-1], "x")
        return shown
    finally:
        await connection.close()


def test_slow_and_failing_statements_reach_the_log_without_their_parameters(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    paths = StackPaths(tmp_path / "slrt")
    monkeypatch.setenv("SLRT_PG_PORT", str(processes.free_port()))
    try:
        shown = asyncio.run(settings_and_statements(postgres.start(paths)))
        log = (paths.logs / "postgres.log").read_text()
    finally:
        postgres.remove(paths)

    # The slow-query log works: the statement's text is there, the failing one's too.
    assert "duration:" in log and SLOW in log
    assert "division by zero" in log and FAILING in log
    assert "duplicate key value" in log and "violates check constraint" in log
    # ... and not a single value bound to it.
    assert NIK not in log and NIK[::-1] not in log
    assert NAME not in log
    assert shown["log_parameter_max_length"] == "0"
    assert shown["log_parameter_max_length_on_error"] == "0"
    assert shown["log_statement"] in {"none", "ddl"}
    assert shown["log_min_duration_statement"] == "1s"
    assert shown["log_error_verbosity"] == "terse"
