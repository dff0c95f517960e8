"""`python -m slrt_devstack up|down|clean|status|logs|infra-up`: the local stack's commands."""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from slrt_devstack import (
    credentials,
    demo,
    demo_client,
    kafka,
    postgres,
    processes,
    provision,
    services,
)
from slrt_devstack.errors import StackError
from slrt_devstack.infra import Endpoints, ensure_infra
from slrt_devstack.paths import StackPaths, repo_root
from slrt_shared import clock, reference
from slrt_shared.contracts.topics import TopicLayout

DATABASE = "slrt"
DEMO_REGENCY = "32.15"


def infra_up(paths: StackPaths) -> Endpoints:
    """Start (or find) Kafka and Postgres."""
    endpoints = ensure_infra(paths.root)
    print(f"kafka     {endpoints.kafka_bootstrap_servers}")
    print(f"postgres  {endpoints.database_url.split('@')[-1]}")
    return endpoints


def provision_stack(paths: StackPaths) -> tuple[Endpoints, dict[str, str]]:
    """Start Kafka and Postgres, create database `slrt` with its roles and every topic."""
    endpoints = infra_up(paths)
    dsns = asyncio.run(provision.create_database(endpoints.database_url, DATABASE))
    created = asyncio.run(
        provision.create_topics(
            endpoints.kafka_bootstrap_servers, TopicLayout(), list(reference.agencies())
        )
    )
    print(f"topics    {len(created)} created" if created else "topics    all present")
    return endpoints, dsns


def write_env_files(paths: StackPaths, endpoints: Endpoints, dsns: dict[str, str]) -> None:
    """Write `.local/stack.env` (admin URL, service URLs) and `.local/services.env` (role DSNs)."""
    admin_db = endpoints.database_url.rsplit("/", 1)[0] + f"/{DATABASE}"
    lines = [
        f"KAFKA_BOOTSTRAP_SERVERS={endpoints.kafka_bootstrap_servers}",
        f"DATABASE_URL={admin_db}",
        *(f"{s.env_prefix}_URL={s.url}" for s in services.SERVICES),
    ]
    paths.local.mkdir(parents=True, exist_ok=True)
    _write_private(paths.local / "stack.env", lines)
    service_lines = [
        f"{spec.env_prefix}_DATABASE_URL={dsns[spec.schema]}" for spec in services.SERVICES
    ]
    service_lines.append(f"KAFKA_BOOTSTRAP_SERVERS={endpoints.kafka_bootstrap_servers}")
    _write_private(paths.local / "services.env", service_lines)


def _write_private(path: Path, lines: list[str]) -> None:
    """Write `KEY=value` lines readable by the owner only: they hold passwords."""
    path.touch(mode=0o600)
    path.chmod(0o600)
    path.write_text("\n".join(lines) + "\n")


def up(paths: StackPaths) -> None:
    """Start everything and seed the demo district; harmless to repeat."""
    endpoints, dsns = provision_stack(paths)
    creds_path = paths.local / "credentials.json"
    creds = credentials.ensure(creds_path, DEMO_REGENCY)
    for spec, env in _service_envs(endpoints, dsns, creds).items():
        services.seed(spec, env, creds_path, DEMO_REGENCY)
        services.start(paths, spec, env)
        print(f"{spec.name:<9} {spec.url}")
    write_env_files(paths, endpoints, dsns)
    print(f"wrote     {paths.local / 'stack.env'} and {creds_path}")


def _service_envs(
    endpoints: Endpoints, dsns: dict[str, str], creds: dict[str, Any]
) -> dict[services.ServiceSpec, dict[str, str]]:
    """Each service's environment as `make up` starts it."""
    return {
        spec: services.service_env(
            spec,
            dsns[spec.schema],
            endpoints.kafka_bootstrap_servers,
            creds["admin"],
            subject_hash_key=creds["subject_hash_key"],
        )
        for spec in services.SERVICES
    }


def restart_services(paths: StackPaths, extra: dict[str, str]) -> None:
    """Stop the four services and start them again with `extra` environment (the demo's replay
    clock, or none: as `make up` starts them)."""
    endpoints, dsns = provision_stack(paths)
    creds = json.loads((paths.local / "credentials.json").read_text())
    envs = _service_envs(endpoints, dsns, creds)
    processes.stop_all(paths, [spec.process for spec in envs])
    # A variable of the replay's left in this process's environment must not reach a service.
    plain = {
        spec: {k: v for k, v in env.items() if k not in clock.NAMES and k not in REPLAY_KEYS}
        for spec, env in envs.items()
    }
    services.start_all(paths, [(spec, {**env, **extra}) for spec, env in plain.items()])
    print("services  " + ("restarted on the replay clock" if extra else "restarted"), flush=True)


REPLAY_KEYS = frozenset(demo_client.REPLAY_TUNING)


def demo_history(paths: StackPaths, args: argparse.Namespace) -> None:
    """Give the demo district months of history through the services' APIs, on a replay clock;
    say what it made.

    The seed, anchor and size of the first run and whether its replay finished are kept in
    `.local/demo.json`: a district replayed once gets nothing more.
    """
    creds_path = paths.local / "credentials.json"
    if not creds_path.exists():
        raise StackError("no .local/credentials.json: run `make up` first")
    kept_path = paths.local / "demo.json"
    kept = json.loads(kept_path.read_text()) if kept_path.exists() else {}
    given = {k: getattr(args, k) for k in ("seed", "anchor", "months", "scale", "villages")}
    try:
        settings = demo.settings_for(given, kept, datetime.now(UTC))
        demo.replay_rate(settings.months, args.minutes)
    except ValueError as exc:
        raise StackError(f"demo: {exc}") from exc
    anchor = settings.anchor or datetime.now(UTC)
    villages = demo.plan_district(
        demo.regency_villages(DEMO_REGENCY, settings.villages),
        settings.seed,
        anchor,
        settings.months,
        settings.scale,
    )
    urls = {s.env_prefix: s.url for s in services.SERVICES}
    targets = demo_client.Targets(
        urls["INTAKE"], urls["GATEWAY"], urls["MONITORING"], json.loads(creds_path.read_text())
    )
    print(
        f"demo      seed {settings.seed}, {len(villages)} villages,"
        f" {sum(len(v.complaints) for v in villages)} complaints,"
        f" {settings.months} months before {anchor}",
        flush=True,
    )

    def keep(state: dict[str, Any]) -> None:
        kept_path.write_text(json.dumps(state, indent=2) + "\n")

    try:
        outcome = asyncio.run(
            demo_client.history(
                targets,
                settings,
                villages,
                DEMO_REGENCY,
                kept,
                keep,
                lambda extra: restart_services(paths, extra),
                args.minutes,
                say=_say,
            )
        )
    except demo_client.DemoError as exc:
        raise StackError(f"demo: {exc}") from exc
    except httpx.HTTPError as exc:
        raise StackError(
            f"demo: a service did not answer ({exc!r}); is `make up` running?"
        ) from exc
    print(f"demo      {outcome.said}")
    report = outcome.report
    if report:
        print("\n".join(report.lines()))
        if report.months:
            # The month just begun holds a few days of cases: point at a month worth reading.
            best = max(report.months, key=lambda m: report.months[m]["ranked"])
            print(
                f"open      {urls['MONITORING']}/?regency={DEMO_REGENCY}&period={best}"
                " (the month with the most villages ranked)"
            )


def _say(line: str) -> None:
    """Print a progress line at once, even into a file."""
    print(line, flush=True)


def stop_all(root: Path) -> list[str]:
    """Stop every process with a pid file (services first), then Kafka, then Postgres."""
    paths = StackPaths(root)
    stopped = [
        name
        for name in processes.names(paths)
        if name != kafka.NAME and processes.stop(paths, name)
    ]
    if kafka.stop(paths):
        stopped.append(kafka.NAME)
    if postgres.stop(paths):
        stopped.append("postgres")
    return stopped


def down(paths: StackPaths) -> None:
    """Stop the services, then Kafka, then Postgres."""
    for name in stop_all(paths.root):
        print(f"stopped {name}")


def clean(paths: StackPaths) -> None:
    """Stop everything and delete the stack's state; downloaded jars and tools are kept."""
    down(paths)
    postgres.remove(paths)
    kept = {paths.local / "tools", paths.kafka / "libs"}
    for entry in (*paths.local.glob("*"), *paths.kafka.glob("*")):
        if entry in kept or entry == paths.kafka:
            continue
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry)
        else:
            entry.unlink(missing_ok=True)
    print(f"deleted the stack's data under {paths.local}")


def status(paths: StackPaths) -> None:
    """Print what runs."""
    rows = [("kafka", processes.pid_of(paths, kafka.NAME), kafka.bootstrap())]
    pg_pid = postgres.pid(paths)
    rows.append(("postgres", pg_pid, f"127.0.0.1:{postgres.port()}"))
    rows += [(s.name, processes.pid_of(paths, s.name), s.url) for s in services.SERVICES]
    known = {name for name, _, _ in rows}
    rows += [(n, processes.pid_of(paths, n), "") for n in processes.names(paths) if n not in known]
    for name, pid, where in rows:
        state = f"running (pid {pid})" if pid else "stopped"
        print(f"{name:<15} {state:<22} {where}")


def logs(paths: StackPaths, name: str | None, lines: int = 50) -> None:
    """Print the last lines of one log or of each."""
    files = [paths.logs / f"{name}.log"] if name else sorted(paths.logs.glob("*.log"))
    for log in files:
        print(f"==> {log} <==")
        if log.exists():
            print("\n".join(log.read_text(errors="replace").splitlines()[-lines:]))


def main(argv: list[str] | None = None) -> None:
    """Run a stack command."""
    parser = argparse.ArgumentParser(prog="slrt-stack", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("up", help="start Kafka, Postgres and the services; seed the demo district")
    sub.add_parser("infra-up", help="start Kafka and Postgres only")
    demo_parser = sub.add_parser(
        "demo", help="give the running demo district months of history through the APIs"
    )
    demo_parser.add_argument("--seed", help="names the plan (default: karawang)")
    demo_parser.add_argument("--anchor", help="ISO time the history counts back from (now)")
    demo_parser.add_argument("--months", type=int, help="months of history (default: 3)")
    demo_parser.add_argument(
        "--minutes",
        type=float,
        default=demo.DEFAULT_MINUTES,
        help=f"how long the replay takes (default: {demo.DEFAULT_MINUTES:g})",
    )
    demo_parser.add_argument("--scale", type=float, help="complaints per village x (1.0)")
    demo_parser.add_argument(
        "--villages",
        type=int,
        help="the first N villages (default: all of the regency; Karawang has 309)",
    )
    sub.add_parser("down", help="stop everything")
    sub.add_parser("clean", help="stop everything and delete the stack's data")
    sub.add_parser("status", help="show what runs")
    logs_parser = sub.add_parser("logs", help="show the end of the logs")
    logs_parser.add_argument("name", nargs="?")
    args = parser.parse_args(argv)
    paths = StackPaths(repo_root())
    try:
        if args.command == "up":
            up(paths)
        elif args.command == "demo":
            demo_history(paths, args)
        elif args.command == "infra-up":
            infra_up(paths)
        elif args.command == "down":
            down(paths)
        elif args.command == "clean":
            clean(paths)
        elif args.command == "status":
            status(paths)
        else:
            logs(paths, args.name)
    except StackError as exc:
        print(f"error: {exc}", file=sys.stderr)
        raise SystemExit(1) from exc
