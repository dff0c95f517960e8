"""Background processes with pid files and log files, stopped as whole process groups."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

from slrt_devstack.paths import StackPaths


def free_port() -> int:
    """A TCP port on 127.0.0.1 nobody listens on, for a process about to start."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def pid_of(paths: StackPaths, name: str) -> int | None:
    """Return the pid of a running process started under this name, else None."""
    pid_file = paths.run / f"{name}.pid"
    try:
        pid = int(pid_file.read_text().strip())
    except (FileNotFoundError, ValueError):
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        pid_file.unlink(missing_ok=True)
        return None
    except PermissionError:
        return pid
    if _is_zombie(pid):
        pid_file.unlink(missing_ok=True)
        return None
    return pid


def is_running(paths: StackPaths, name: str) -> bool:
    """True if a process started under this name still runs."""
    return pid_of(paths, name) is not None


def start(
    paths: StackPaths,
    name: str,
    argv: Sequence[str],
    *,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
) -> int:
    """Start a detached process in its own session, logging to `.local/logs/<name>.log`."""
    paths.logs.mkdir(parents=True, exist_ok=True)
    paths.run.mkdir(parents=True, exist_ok=True)
    with (paths.logs / f"{name}.log").open("ab") as log:
        proc = subprocess.Popen(
            list(argv),
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=dict(env) if env is not None else None,
            cwd=cwd,
            start_new_session=True,
        )
    (paths.run / f"{name}.pid").write_text(str(proc.pid))
    return proc.pid


def stop(paths: StackPaths, name: str, timeout: float = 20.0) -> bool:
    """Stop a process group: SIGTERM, then SIGKILL after the timeout. True if one was running."""
    return bool(stop_all(paths, [name], timeout))


def stop_all(paths: StackPaths, names: Sequence[str], timeout: float = 20.0) -> list[str]:
    """Stop several process groups side by side, as `stop` does one; those that were running."""
    running = {name: pid for name in names if (pid := pid_of(paths, name)) is not None}
    for pid in running.values():
        _signal_group(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and any(_group_alive(p) for p in running.values()):
        time.sleep(0.2)
    left = [pid for pid in running.values() if _group_alive(pid)]
    for pid in left:
        _signal_group(pid, signal.SIGKILL)
    if left:
        time.sleep(0.5)
    for name in running:
        (paths.run / f"{name}.pid").unlink(missing_ok=True)
    return list(running)


def kill(paths: StackPaths, name: str) -> bool:
    """Kill a process group with SIGKILL, as a power cut or an OOM kill would; True if it ran."""
    pid = pid_of(paths, name)
    if pid is None:
        return False
    _signal_group(pid, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and _group_alive(pid):
        time.sleep(0.05)
    (paths.run / f"{name}.pid").unlink(missing_ok=True)
    return True


def send_signal(paths: StackPaths, name: str, sig: signal.Signals) -> bool:
    """Signal a process group (SIGSTOP freezes it as a stalled node would, SIGCONT resumes it)."""
    pid = pid_of(paths, name)
    if pid is None:
        return False
    _signal_group(pid, sig)
    return True


def names(paths: StackPaths) -> list[str]:
    """Names of every process with a pid file."""
    return sorted(p.stem for p in paths.run.glob("*.pid")) if paths.run.exists() else []


def _signal_group(pid: int, sig: signal.Signals) -> None:
    try:
        os.killpg(pid, sig)
    except ProcessLookupError:
        return
    except PermissionError:
        os.kill(pid, sig)


def _group_alive(pid: int) -> bool:
    try:
        os.killpg(pid, 0)
    except ProcessLookupError:
        return False
    return not _is_zombie(pid)


def _is_zombie(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[-1].split()[0] == "Z"
