"""`python -m intake facilitators save|list` and `python -m intake targets set|list`: the
admin's tools for PKH facilitators and the yearly graduation targets (every change logged with
who ran it, `--by`)."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Awaitable, Callable
from dataclasses import asdict
from typing import Any

import asyncpg

from intake.adapters.repository import IntakeUnitOfWork
from intake.domain.errors import message
from intake.domain.programmes import Facilitator, ProgrammeRefusedError, Target
from intake.service_layer import programmes
from intake.service_layer.programmes import Admin
from intake.settings import IntakeSettings
from slrt_shared.contracts.topics import TopicLayout

Run = Callable[[IntakeUnitOfWork], Awaitable[Any]]


def _run(use_case: Run, language: str) -> None:
    settings = IntakeSettings()

    async def run() -> Any:
        pool = await asyncpg.create_pool(
            settings.database_url,
            min_size=1,
            max_size=1,
            server_settings={"search_path": "intake"},
        )
        try:
            return await use_case(IntakeUnitOfWork(pool, TopicLayout(settings.topic_prefix)))
        finally:
            await pool.close()

    try:
        result = asyncio.run(run())
    except ProgrammeRefusedError as exc:
        raise SystemExit(f"{exc.code}: {message(exc.code, language)}") from exc
    sys.stdout.write(json.dumps(result, default=str, indent=2, ensure_ascii=False) + "\n")


def _by(value: str) -> Admin:
    if not value.strip():
        raise SystemExit("--by: say who makes the change")
    return Admin(value.strip(), "cli", None)


def facilitators(argv: list[str]) -> None:
    """Run a facilitators command."""
    parser = argparse.ArgumentParser(prog="intake facilitators", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    save = sub.add_parser("save", help="register or change a facilitator (logged)")
    save.add_argument("--code", required=True, help="e.g. PKH-KRW-001")
    save.add_argument("--name", required=True)
    save.add_argument("--regency", required=True, help="e.g. 32.15")
    save.add_argument("--villages", required=True, help="village codes, comma-separated")
    save.add_argument("--inactive", action="store_true", help="no longer proposes graduations")
    save.add_argument("--by", required=True, help="who makes the change")
    listing = sub.add_parser("list", help="a regency's facilitators")
    listing.add_argument("--regency", required=True)
    for p in (save, listing):
        p.add_argument("--lang", choices=("id", "en"), default="id")
    args = parser.parse_args(argv)

    async def use_case(uow: IntakeUnitOfWork) -> Any:
        if args.command == "list":
            return [asdict(f) for f in await programmes.list_facilitators(args.regency, uow)]
        villages = tuple(v.strip() for v in args.villages.split(",") if v.strip())
        f = Facilitator(args.code, args.name.strip(), args.regency, villages, not args.inactive)
        saved = await programmes.save_facilitator(programmes.SaveFacilitator(_by(args.by), f), uow)
        return asdict(saved)

    _run(use_case, args.lang)


def targets(argv: list[str]) -> None:
    """Run a targets command."""
    parser = argparse.ArgumentParser(prog="intake targets", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    set_p = sub.add_parser("set", help="set a regency's graduation target of a year (logged)")
    set_p.add_argument("--regency", required=True, help="e.g. 32.15")
    set_p.add_argument("--year", required=True, type=int)
    set_p.add_argument("--total", required=True, type=int, help="the district's graduations")
    set_p.add_argument("--per-facilitator", required=True, type=int, help="each one's minimum")
    set_p.add_argument("--by", required=True, help="who makes the change")
    listing = sub.add_parser("list", help="a regency's targets")
    listing.add_argument("--regency", required=True)
    for p in (set_p, listing):
        p.add_argument("--lang", choices=("id", "en"), default="id")
    args = parser.parse_args(argv)

    async def use_case(uow: IntakeUnitOfWork) -> Any:
        if args.command == "list":
            return [asdict(t) for t in await programmes.list_targets(args.regency, uow)]
        t = Target(args.regency, args.year, args.total, args.per_facilitator)
        return asdict(await programmes.set_target(programmes.SetTarget(_by(args.by), t), uow))

    _run(use_case, args.lang)
