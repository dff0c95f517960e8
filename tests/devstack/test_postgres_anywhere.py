"""The local Postgres starts from a checkout anywhere, root's home (mode 700) included."""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
from pathlib import Path

import asyncpg
import pytest

from slrt_devstack import cli, postgres, processes
from slrt_devstack.paths import StackPaths

pytestmark = pytest.mark.integration


async def data_directory(url: str) -> str:
    """Connect as the superuser and ask the server where its data is."""
    connection = await asyncpg.connect(url)
    try:
        return str(await connection.fetchval("select current_setting('data_directory')"))
    finally:
        await connection.close()


def listening(number: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", number)) == 0


def test_two_checkouts_under_a_home_of_mode_700_each_run_their_own_postgres(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "home"
    home.mkdir()
    home.chmod(0o700)  # as /root is: the postgres user cannot enter it
    checkouts = [StackPaths(home / "slrt"), StackPaths(home / "work" / "slrt")]
    ports: list[int] = []
    while len(ports) < 2:
        if (number := processes.free_port()) not in ports:
            ports.append(number)
    try:
        urls, data_dirs = [], []
        for paths, number in zip(checkouts, ports, strict=True):
            monkeypatch.setenv("SLRT_PG_PORT", str(number))
            urls.append(postgres.start(paths))
            assert postgres.start(paths) == urls[-1]  # `make up` twice is harmless
            data_dirs.append(asyncio.run(data_directory(urls[-1])))
            if paths is checkouts[0]:
                # The second checkout starts as a copy of the first, `.local/` and all.
                shutil.copytree(paths.local, checkouts[1].local, symlinks=True)
        assert len(set(data_dirs)) == 2
        # Both answer at once, each on its own port, from its own cluster.
        assert [asyncio.run(data_directory(url)) for url in urls] == data_dirs
        assert home.stat().st_mode & 0o777 == 0o700
        assert "ready to accept connections" in (checkouts[0].logs / "postgres.log").read_text()

        for paths, number in zip(checkouts, ports, strict=True):
            monkeypatch.setenv("SLRT_PG_PORT", str(number))
            assert cli.stop_all(paths.root) == ["postgres"]  # what `make down` does
            assert postgres.pid(paths) is None and not listening(number)

        # `.local/` deleted by hand: the next start makes a cluster that its new password opens.
        monkeypatch.setenv("SLRT_PG_PORT", str(ports[0]))
        shutil.rmtree(checkouts[0].local)
        assert asyncio.run(data_directory(postgres.start(checkouts[0]))) == data_dirs[0]
        assert cli.stop_all(checkouts[0].root) == ["postgres"]
    finally:
        for paths, number in zip(checkouts, ports, strict=True):
            monkeypatch.setenv("SLRT_PG_PORT", str(number))
            cluster = postgres.cluster_dir(paths)
            postgres.remove(paths)
            assert not (cluster / "data").exists()
    if os.geteuid() == 0:
        # Nothing of the postgres user's is left behind for a checkout that is gone.
        assert not any(str(home) in p.read_text() for p in _checkout_notes())


def _checkout_notes() -> list[Path]:
    base = Path(os.path.expanduser(f"~{postgres.SUPERUSER}")) / postgres.CLUSTERS
    return list(base.glob("*/checkout")) if base.exists() else []
