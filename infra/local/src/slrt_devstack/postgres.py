"""A Postgres cluster under .local/ from Debian's postgresql package, run as the postgres user."""

from __future__ import annotations

import os
import pwd
import secrets
import shutil
import socket
import subprocess
import time
from pathlib import Path

from slrt_devstack.errors import StackError
from slrt_devstack.paths import StackPaths

SUPERUSER = "postgres"


def port() -> int:
    """The cluster's port (SLRT_PG_PORT, default 5433)."""
    return int(os.environ.get("SLRT_PG_PORT", "5433"))


def admin_url(paths: StackPaths, database: str = "postgres") -> str:
    """Superuser URL of the local cluster."""
    password = (paths.postgres / "superuser.pw").read_text().strip()
    return f"postgresql://{SUPERUSER}:{password}@127.0.0.1:{port()}/{database}"


def start(paths: StackPaths) -> str:
    """Create the cluster on first use and start it unless it runs; return the admin URL."""
    bin_dir = _binaries()
    data = paths.postgres / "data"
    if not (data / "PG_VERSION").exists():
        _init(paths, bin_dir, data)
    if not _running(bin_dir, data):
        if _port_open(port()):
            raise StackError(
                f"port {port()} is taken by another process: stop it or set SLRT_PG_PORT"
            )
        paths.logs.mkdir(parents=True, exist_ok=True)
        log = paths.logs / "postgres.log"
        log.touch()
        _chown(log)
        options = f"-c listen_addresses=127.0.0.1 -p {port()} -k {paths.postgres / 'socket'}"
        result = _as_postgres(
            [
                str(bin_dir / "pg_ctl"),
                "start",
                "-D",
                str(data),
                "-l",
                str(log),
                "-w",
                "-t",
                "60",
                "-o",
                options,
            ]
        )
        if result.returncode != 0:
            raise StackError(f"Postgres did not start: {result.stderr.strip()}; see {log}")
    _wait_for_port(port())
    return admin_url(paths)


def stop(paths: StackPaths) -> bool:
    """Stop the cluster (fast shutdown); True if it was running."""
    data = paths.postgres / "data"
    if not (data / "PG_VERSION").exists():
        return False
    bin_dir = _binaries()
    if not _running(bin_dir, data):
        return False
    _as_postgres([str(bin_dir / "pg_ctl"), "stop", "-D", str(data), "-m", "fast", "-w"])
    return True


def _init(paths: StackPaths, bin_dir: Path, data: Path) -> None:
    paths.postgres.mkdir(parents=True, exist_ok=True)
    (paths.postgres / "socket").mkdir(exist_ok=True)
    pw_file = paths.postgres / "superuser.pw"
    if not pw_file.exists():
        pw_file.touch(mode=0o600)
        pw_file.write_text(secrets.token_urlsafe(24))
    # initdb reads the password from a file the postgres user can read; removed right after.
    initdb_pw = paths.postgres / "initdb.pw"
    shutil.copyfile(pw_file, initdb_pw)
    data.mkdir(exist_ok=True)
    for path in (paths.postgres, paths.postgres / "socket", data, initdb_pw):
        _chown(path)
    data.chmod(0o700)
    try:
        result = _as_postgres(
            [
                str(bin_dir / "initdb"),
                "-D",
                str(data),
                "-U",
                SUPERUSER,
                "--pwfile",
                str(initdb_pw),
                "--auth-host=scram-sha-256",
                "--auth-local=peer",
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
            ]
        )
    finally:
        initdb_pw.unlink(missing_ok=True)
    if result.returncode != 0:
        shutil.rmtree(data, ignore_errors=True)
        raise StackError(f"initdb failed:\n{result.stdout}{result.stderr}")


def _binaries() -> Path:
    found = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/postgres"),
        key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit() else 0,
    )
    if found:
        return found[-1].parent
    if os.geteuid() == 0 and shutil.which("apt-get"):
        print("Postgres not found: installing Debian's postgresql package ...", flush=True)
        for argv in (
            ["apt-get", "update", "-qq"],
            ["apt-get", "install", "-y", "-qq", "postgresql"],
        ):
            done = subprocess.run(
                argv,
                capture_output=True,
                text=True,
                check=False,
                env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
            )
            if done.returncode != 0:
                raise StackError(f"{' '.join(argv)} failed:\n{done.stderr}")
        return _binaries()
    raise StackError(
        "Postgres was not found: install Debian's `postgresql` package, or set DATABASE_URL "
        "to an existing server's admin URL"
    )


def _running(bin_dir: Path, data: Path) -> bool:
    result = _as_postgres([str(bin_dir / "pg_ctl"), "status", "-D", str(data)])
    return result.returncode == 0


def _as_postgres(argv: list[str]) -> subprocess.CompletedProcess[str]:
    if os.geteuid() == 0:
        # Postgres refuses to run as root.
        runuser = shutil.which("runuser") or shutil.which("runuser", path="/usr/sbin:/sbin")
        if runuser is None:
            raise StackError("`runuser` (util-linux) was not found: it runs Postgres as postgres")
        argv = [runuser, "-u", SUPERUSER, "--", *argv]
    return subprocess.run(argv, capture_output=True, text=True, check=False, cwd="/")


def _chown(path: Path) -> None:
    if os.geteuid() == 0:
        user = pwd.getpwnam(SUPERUSER)
        os.chown(path, user.pw_uid, user.pw_gid)


def _port_open(number: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", number)) == 0


def _wait_for_port(number: int, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not _port_open(number):
        if time.monotonic() > deadline:
            raise StackError(f"Postgres is not listening on port {number}")
        time.sleep(0.2)
