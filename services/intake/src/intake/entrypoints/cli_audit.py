"""`python -m intake audit --month YYYY-MM [--lists]`: a month of personal-data reads, or of
complaint lists (GET /v1/complaints: who, which filters, how many items), as JSON lines."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys

import asyncpg

from intake.adapters.audit import complaint_lists, pii_reads
from intake.settings import IntakeSettings
from slrt_shared.months import MONTH, month_bounds


def main(argv: list[str]) -> None:
    """Print every read of personal data (or every list) in a month (UTC), oldest first."""
    parser = argparse.ArgumentParser(prog="intake audit", description=__doc__)
    parser.add_argument("--month", required=True, help="YYYY-MM, e.g. 2026-11")
    parser.add_argument(
        "--lists", action="store_true", help="the lists of complaints instead of the reads"
    )
    args = parser.parse_args(argv)
    if not MONTH.match(args.month):
        parser.error(f"--month must be YYYY-MM, not {args.month!r}")
    since, until = month_bounds(args.month)
    settings = IntakeSettings()
    read = complaint_lists if args.lists else pii_reads

    async def run() -> None:
        conn = await asyncpg.connect(
            settings.database_url, server_settings={"search_path": "intake"}
        )
        try:
            after = 0
            while rows := await read(conn, since=since, until=until, after_id=after, limit=1000):
                for row in rows:
                    sys.stdout.write(json.dumps(row, default=str) + "\n")
                after = rows[-1]["id"]
        finally:
            await conn.close()

    asyncio.run(run())
