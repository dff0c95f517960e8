"""A Postgres cluster from Debian's postgresql package, run as the postgres user."""

from __future__ import annotations

import hashlib
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
# Under the postgres user's home (Debian: /var/lib/postgresql), one folder per checkout.
CLUSTERS = "slrt-devstack"
MAX_CONNECTIONS = 300  # infra/helm/slrt/templates/postgres.yaml
# The server log as the chart's cluster writes it: slow statements with their text only. The
# statements carry residents' data (NIK, name) as $n parameters, so no parameter value may be
# logged (neither with a slow statement nor with a failed one), and no statement logged in full.
LOG_SETTINGS = {
    "log_min_duration_statement": "1000",
    "log_parameter_max_length": "0",
    "log_parameter_max_length_on_error": "0",
    "log_statement": "none",
    "log_error_verbosity": "terse",
}


def port() -> int:
    """The cluster's port (SLRT_PG_PORT, default 5433)."""
    return int(os.environ.get("SLRT_PG_PORT", "5433"))


def admin_url(paths: StackPaths, database: str = "postgres") -> str:
    """Superuser URL of the local cluster."""
    password = _password_file(paths).read_text().strip()
    return f"postgresql://{SUPERUSER}:{password}@127.0.0.1:{port()}/{database}"


def cluster_dir(paths: StackPaths) -> Path:
    """The folder holding the cluster's data, socket and log.

    Run as root, Postgres runs as the postgres user, who cannot enter a checkout under a home of
    mode 700: the cluster then lives in a folder of that user's own, named after the checkout,
    and `.local/postgres/cluster` points to it (a copy of the checkout gets a cluster of its own).
    `.local/postgres` keeps the password (root only). A cluster made under `.local/postgres/data`
    by an earlier version is used where it is.
    """
    if os.geteuid() != 0 or (paths.postgres / "data" / "PG_VERSION").exists():
        return paths.postgres
    try:
        home: Path | None = Path(pwd.getpwnam(SUPERUSER).pw_dir)
    except KeyError:  # no postgres user yet: no cluster either, until the package is installed
        home = None
    base = home if home is not None and home.is_dir() else Path("/var/tmp")
    checkout = str(paths.root.resolve())
    digest = hashlib.sha256(checkout.encode()).hexdigest()[:12]
    return base / CLUSTERS / f"{paths.root.resolve().name}-{digest}"


def pid(paths: StackPaths) -> int | None:
    """The postmaster's pid if the cluster runs, else None."""
    pid_file = cluster_dir(paths) / "data" / "postmaster.pid"
    try:
        number = int(pid_file.read_text().splitlines()[0])
    except (FileNotFoundError, ValueError, IndexError):
        return None
    return number if Path(f"/proc/{number}").exists() else None


def start(paths: StackPaths) -> str:
    """Create the cluster on first use and start it unless it runs; return the admin URL."""
    bin_dir = _binaries()
    cluster = cluster_dir(paths)
    data = cluster / "data"
    if (data / "PG_VERSION").exists() and not _password_file(paths).exists():
        # Its password went with `.local/`: start afresh, as removing `.local/` always did.
        remove(paths)
        cluster = cluster_dir(paths)
        data = cluster / "data"
    if not (data / "PG_VERSION").exists():
        _init(paths, bin_dir, cluster)
    if not _running(bin_dir, data):
        log = _log(paths, cluster)
        if _port_open(port()):
            raise StackError(
                f"port {port()} is taken by another process: stop it or set SLRT_PG_PORT"
            )
        # As many connections as the chart's cluster allows: the fault tests run several
        # processes of each service, each with a pool of its own.
        # pg_stat_statements (Debian's package ships it): `make bench` counts statements per
        # complaint with it; a build without it starts all the same and the bench says n/a.
        preload = (
            " -c shared_preload_libraries=pg_stat_statements"
            if (bin_dir.parent / "lib" / "pg_stat_statements.so").exists()
            else ""
        )
        options = (
            f"-c listen_addresses=127.0.0.1 -p {port()} -k {cluster / 'socket'}"
            f" -c max_connections={MAX_CONNECTIONS}{preload}"
        ) + "".join(f" -c {name}={value}" for name, value in LOG_SETTINGS.items())
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
    data = cluster_dir(paths) / "data"
    if not (data / "PG_VERSION").exists():
        return False
    bin_dir = _binaries()
    if not _running(bin_dir, data):
        return False
    _as_postgres([str(bin_dir / "pg_ctl"), "stop", "-D", str(data), "-m", "fast", "-w"])
    return True


def remove(paths: StackPaths) -> None:
    """Stop the cluster and delete it with its password: the next start makes a new one."""
    stop(paths)
    cluster = cluster_dir(paths)
    if cluster == paths.postgres:
        for part in ("data", "socket", "postgres.log"):
            target = cluster / part
            if target.is_dir():
                shutil.rmtree(target)
            else:
                target.unlink(missing_ok=True)
    elif cluster.parent.name == CLUSTERS:
        shutil.rmtree(cluster, ignore_errors=True)
        (paths.postgres / "cluster").unlink(missing_ok=True)
    _password_file(paths).unlink(missing_ok=True)
    (paths.logs / "postgres.log").unlink(missing_ok=True)


def _init(paths: StackPaths, bin_dir: Path, cluster: Path) -> None:
    paths.postgres.mkdir(parents=True, exist_ok=True)
    pw_file = _password_file(paths)
    if not pw_file.exists():
        pw_file.touch(mode=0o600)
        pw_file.write_text(secrets.token_urlsafe(24))
    if cluster != paths.postgres:
        for folder in (cluster.parent, cluster):
            folder.mkdir(mode=0o700, exist_ok=True)
            _chown(folder)
            folder.chmod(0o700)
        (cluster / "checkout").write_text(f"{paths.root.resolve()}\n")
        pointer = paths.postgres / "cluster"
        pointer.unlink(missing_ok=True)
        pointer.symlink_to(cluster)
    data = cluster / "data"
    (cluster / "socket").mkdir(exist_ok=True)
    # initdb reads the password from a file the postgres user can read; removed right after.
    initdb_pw = cluster / "initdb.pw"
    shutil.copyfile(pw_file, initdb_pw)
    data.mkdir(exist_ok=True)
    for path in (cluster, cluster / "socket", data, initdb_pw):
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


def _log(paths: StackPaths, cluster: Path) -> Path:
    """The server's log, written by the postgres user in the cluster's folder, linked from logs/."""
    log = cluster / "postgres.log"
    log.touch()
    _chown(log)
    paths.logs.mkdir(parents=True, exist_ok=True)
    link = paths.logs / "postgres.log"
    if not (link.is_symlink() and Path(os.readlink(link)) == log):
        link.unlink(missing_ok=True)
        link.symlink_to(log)
    return log


def _password_file(paths: StackPaths) -> Path:
    return paths.postgres / "superuser.pw"


def _postgres_user() -> pwd.struct_passwd:
    try:
        return pwd.getpwnam(SUPERUSER)
    except KeyError as exc:
        raise StackError(
            f"there is no `{SUPERUSER}` user: install Debian's `postgresql` package"
        ) from exc


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
        user = _postgres_user()
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
