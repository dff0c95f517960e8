"""`python -m gateway subjects export --nik ... --by ...`: what the gateway holds about a NIK.

The gateway's side of a resident's access request (agencies' notes, reads, deliveries), as
JSON; logged with the keyed hash of the NIK and who ran it.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from typing import Any

from gateway.adapters.repository import GatewayUnitOfWork
from gateway.domain.subjects import SubjectRequestError
from gateway.service_layer.subjects import ExportSubject, export_subject
from gateway.settings import GatewaySettings
from slrt_shared import db
from slrt_shared.contracts.topics import TopicLayout


def main(argv: list[str]) -> None:
    """Run a subjects command; a refused request exits with its code and message."""
    parser = argparse.ArgumentParser(prog="gateway subjects", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    export = sub.add_parser("export", help="print everything held about a NIK (logged)")
    export.add_argument("--nik", required=True)
    export.add_argument("--by", required=True, help="who answers the request")
    export.add_argument("--lang", choices=("id", "en"), default="id")
    args = parser.parse_args(argv)
    settings = GatewaySettings()

    async def run() -> list[dict[str, Any]]:
        pool = await db.create_pool(settings.database_url, "gateway")
        try:
            async with GatewayUnitOfWork(pool, TopicLayout(settings.topic_prefix)) as uow:
                key = settings.subject_hash_key.get_secret_value()
                held = await export_subject(ExportSubject(args.nik, args.by, "cli", key), uow)
                await uow.commit()
            if not held:
                raise SubjectRequestError("nothing_held")
            return held
        finally:
            await pool.close()

    try:
        held = asyncio.run(run())
    except SubjectRequestError as exc:
        raise SystemExit(f"{exc.code}: {exc.text(args.lang)}") from exc
    sys.stdout.write(
        json.dumps({"complaints": held}, default=str, indent=2, ensure_ascii=False) + "\n"
    )
