"""`python -m intake audit --month YYYY-MM`: a month of personal-data reads, as JSON lines."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys

import asyncpg

from intake.adapters.audit import pii_reads
from intake.settings import IntakeSettings
from slrt_shared.months import MONTH, month_bounds


def main(argv: list[str]) -> None:
    """Print every read of personal data in a month (UTC), oldest first."""
    parser = argparse.ArgumentParser(prog="intake audit", description=__doc__)
    parser.add_argument("--month", required=True, help="YYYY-MM, e.g. 2026-11")
    args = parser.parse_args(argv)
    if not MONTH.match(args.month):
        parser.error(f"--month must be YYYY-MM, not {args.month!r}")
    since, until = month_bounds(args.month)
    settings = IntakeSettings()

    async def run() -> None:
        conn = await asyncpg.connect(
            settings.database_url, server_settings={"search_path": "intake"}
        )
        try:
            after = 0
            while rows := await pii_reads(
                conn, since=since, until=until, after_id=after, limit=1000
            ):
                for row in rows:
                    sys.stdout.write(json.dumps(row, default=str) + "\n")
                after = rows[-1]["id"]
        finally:
            await conn.close()

    asyncio.run(run())
