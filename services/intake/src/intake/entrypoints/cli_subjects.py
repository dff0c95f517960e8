"""`python -m intake subjects export|erase|history`: a resident's access and erasure requests.

For district staff working from the admin console. The NIK is given on the command line of a
console only the admin reaches (never in a URL); every export and erasure is logged with the
keyed hash of the NIK, who ran it (`--by`) and, for an erasure, why.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from datetime import UTC, datetime

import asyncpg

from intake.adapters.repository import IntakeUnitOfWork
from intake.domain.subjects import SubjectRequestError
from intake.service_layer.erasure import (
    EraseSubject,
    ExportSubject,
    Requester,
    earlier_requests,
    erase_subject,
    export_subject,
)
from intake.settings import IntakeSettings
from slrt_shared.contracts.topics import TopicLayout


def main(argv: list[str]) -> None:
    """Run a subjects command; a refused request exits with its code and message."""
    parser = argparse.ArgumentParser(prog="intake subjects", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    for name, text in (
        ("export", "print everything held about a NIK as JSON (logged)"),
        ("erase", "erase a NIK's personal data from every complaint (logged)"),
        ("history", "list the export and erasure requests recorded about a NIK"),
    ):
        p = sub.add_parser(name, help=text)
        p.add_argument("--nik", required=True)
        if name != "history":
            p.add_argument("--by", required=True, help="who answers the request, e.g. a name")
            p.add_argument("--regency", help="limit to the complaints of one regency, e.g. 32.15")
        if name == "erase":
            p.add_argument("--reason", required=True, help="why (no personal data in it)")
        p.add_argument("--lang", choices=("id", "en"), default="id")
    args = parser.parse_args(argv)
    settings = IntakeSettings()
    key = settings.subject_hash_key.get_secret_value()

    async def run() -> object:
        pool = await asyncpg.create_pool(
            settings.database_url,
            min_size=1,
            max_size=1,
            server_settings={"search_path": "intake"},
        )
        try:
            unit = IntakeUnitOfWork(pool, TopicLayout(settings.topic_prefix))
            if args.command == "history":
                return await earlier_requests(args.nik, key, unit)
            if not args.by.strip():
                raise SubjectRequestError("requester_required")
            who = Requester(args.by.strip(), "cli", args.regency)
            now = datetime.now(UTC)
            if args.command == "export":
                found = await export_subject(ExportSubject(args.nik, who, key, now), unit)
                if not found.complaints:
                    raise SubjectRequestError("nothing_held")
                return {"complaints": found.complaints, "earlier_requests": found.requests}
            command = EraseSubject(args.nik, args.reason, who, key, now)
            erased = await erase_subject(command, unit)
            return {"erased_complaint_ids": erased, "erased_at": now}
        finally:
            await pool.close()

    try:
        result = asyncio.run(run())
    except SubjectRequestError as exc:
        raise SystemExit(f"{exc.code}: {exc.text(args.lang)}") from exc
    sys.stdout.write(json.dumps(result, default=str, indent=2, ensure_ascii=False) + "\n")
