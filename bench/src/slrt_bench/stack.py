"""The platform for a run: its own database and topic prefix, the four services on free ports."""

from __future__ import annotations

import asyncio
import json
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import psutil

from slrt_devstack import postgres, processes, provision, services
from slrt_devstack.credentials import generate
from slrt_devstack.infra import ensure_infra
from slrt_devstack.paths import StackPaths, repo_root
from slrt_shared import reference
from slrt_shared.contracts.topics import TopicLayout


@dataclass
class Platform:
    """What a run talks to."""

    urls: dict[str, list[str]]  # service -> the base URL of each of its processes
    creds: dict[str, Any]
    bootstrap: str
    admin_url: str
    database: str
    layout: TopicLayout
    paths: StackPaths
    names: list[str]


@dataclass
class Scratch:
    """A run's own database and topic prefix on the shared Kafka and Postgres."""

    run: str
    database: str
    dsns: dict[str, str]
    bootstrap: str
    admin_url: str
    layout: TopicLayout
    paths: StackPaths


@asynccontextmanager
async def scratch(kind: str, partitions: int = 6, keep: bool = False) -> AsyncIterator[Scratch]:
    """Start Kafka and Postgres if needed; a database and topics of the run's own, dropped after.

    `kind` starts the run's name (one letter); `keep` leaves the database and topics in place.
    """
    root = repo_root()
    infra = await asyncio.to_thread(ensure_infra, root)
    run = kind + secrets.token_hex(4)
    database = f"slrt_{run}"
    layout = TopicLayout(f"{run}.")
    dsns = await provision.create_database(infra.database_url, database, role_prefix=f"{run}_")
    paths = StackPaths(root / ".local" / "bench" / run)
    paths.logs.mkdir(parents=True, exist_ok=True)
    try:
        await provision.create_topics(
            infra.kafka_bootstrap_servers, layout, list(reference.agencies()), partitions=partitions
        )
        yield Scratch(
            run, database, dsns, infra.kafka_bootstrap_servers, infra.database_url, layout, paths
        )
    finally:
        if not keep:
            await provision.delete_topics(infra.kafka_bootstrap_servers, layout.prefix)
            await provision.drop_database(infra.database_url, database, role_prefix=f"{run}_")


@asynccontextmanager
async def platform(regency: str, partitions: int = 6, replicas: int = 1) -> AsyncIterator[Platform]:
    """Start Kafka and Postgres if needed, provision a scratch district, run the services.

    `replicas` processes of every service run side by side, each consuming service's in one
    consumer group, as a deployment scaled out runs them.
    """
    async with scratch("b", partitions) as space:
        creds = generate(regency)
        creds_file = space.paths.local / "credentials.json"
        creds_file.write_text(json.dumps(creds))
        specs = [
            replace(spec, name=f"bench-{spec.name}", port=processes.free_port())
            for spec in services.SERVICES
        ]
        names: list[str] = []
        urls: dict[str, list[str]] = {}
        try:
            for spec in specs:
                env = services.service_env(
                    spec,
                    space.dsns[spec.schema],
                    space.bootstrap,
                    creds["admin"],
                    space.layout.prefix,
                )
                env.update(
                    {
                        # Thousands of complaints a minute from one Puskesos is the point here.
                        "INTAKE_RATE_LIMIT_PER_MINUTE": "0",
                        f"{spec.env_prefix}_LOG_LEVEL": "WARNING",
                        "GATEWAY_WEBHOOK_POLL_SECONDS": "5",
                    }
                )
                services.seed(spec, env, creds_file, regency)
                members = [spec] + [
                    spec.as_member(number, processes.free_port()) for number in range(1, replicas)
                ]
                names.extend(member.process for member in members)
                services.start_all(space.paths, [(member, env) for member in members])
                urls[spec.name.removeprefix("bench-")] = [member.url for member in members]
            yield Platform(
                urls,
                creds,
                space.bootstrap,
                space.admin_url,
                space.database,
                space.layout,
                space.paths,
                names,
            )
        finally:
            for name in names:
                processes.stop(space.paths, name)


def pids(platform: Platform) -> dict[str, int]:
    """Process ids of the services, Kafka and Postgres of the run."""
    found = {
        name.removeprefix("bench-"): pid
        for name in platform.names
        if (pid := processes.pid_of(platform.paths, name)) is not None
    }
    stack = StackPaths(repo_root())
    kafka_pid = processes.pid_of(stack, "kafka")
    if kafka_pid is not None:
        found["kafka"] = kafka_pid
    postmaster = postgres.pid(stack)
    if postmaster is not None:
        found["postgres"] = postmaster
    # Kafka and Postgres shared with other runs (from the environment): found by their ports
    for name, port in (
        ("kafka", _port(platform.bootstrap)),
        ("postgres", _port(platform.admin_url)),
    ):
        if name not in found and port is not None and (pid := listener(port)) is not None:
            found[name] = pid
    return found


def _port(address: str) -> int | None:
    """The port of `host:port` or of a URL's netloc."""
    port: int | None = urlsplit(address if "://" in address else f"//{address.split(',')[0]}").port
    return port


def listener(port: int) -> int | None:
    """The process listening on a TCP port of this machine, if one is and may be seen."""
    try:
        for conn in psutil.net_connections(kind="tcp"):
            if conn.status == psutil.CONN_LISTEN and conn.laddr and conn.laddr.port == port:
                pid: int | None = conn.pid
                return pid
    except psutil.AccessDenied:
        return None
    return None


def results_dir() -> Path:
    """Where figures are written."""
    path: Path = repo_root() / "bench" / "results"
    path.mkdir(parents=True, exist_ok=True)
    return path
