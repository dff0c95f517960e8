"""`python -m <service> outbox list|retry`: the events the outbox relay could not publish."""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import asyncpg

from slrt_shared.outbox import NOTIFY_SQL


@dataclass(frozen=True)
class ParkedEvent:
    """An outbox row parked by the relay, and the rows of its key waiting behind it."""

    id: int
    topic: str
    key: str
    error: str
    attempts: int
    since: datetime
    next_attempt_at: datetime
    waiting: int


async def parked(conn: asyncpg.Connection) -> list[ParkedEvent]:
    """List the parked events, oldest first."""
    rows = await conn.fetch(
        """
        WITH parked AS (
            SELECT id, topic, key, last_error, attempts, first_failed_at, next_attempt_at
            FROM outbox WHERE next_attempt_at IS NOT NULL),
        waiting AS (
            SELECT key, count(*) AS n FROM outbox
            WHERE next_attempt_at IS NULL AND key IN (SELECT key FROM parked) GROUP BY key)
        SELECT parked.*, coalesce(waiting.n, 0) AS waiting
        FROM parked LEFT JOIN waiting USING (key) ORDER BY id
        """
    )
    return [
        ParkedEvent(
            id=r["id"],
            topic=r["topic"],
            key=bytes(r["key"]).decode(errors="replace"),
            error=r["last_error"] or "",
            attempts=r["attempts"],
            since=r["first_failed_at"],
            next_attempt_at=r["next_attempt_at"],
            waiting=r["waiting"],
        )
        for r in rows
    ]


async def retry(conn: asyncpg.Connection, ids: Sequence[int] | None) -> list[int]:
    """Make parked events due now (all of them when `ids` is None); return those made due."""
    async with conn.transaction():
        made_due = await conn.fetch(
            "UPDATE outbox SET next_attempt_at = now() WHERE next_attempt_at IS NOT NULL"
            " AND ($1::bigint[] IS NULL OR id = ANY($1::bigint[])) RETURNING id",
            None if ids is None else list(ids),
        )
        await conn.execute(NOTIFY_SQL)  # the running relay tries them at once
    return sorted(r["id"] for r in made_due)


def render(events: Sequence[ParkedEvent], now: datetime) -> str:
    """Format parked events as the `list` command prints them."""
    if not events:
        return "no parked events"
    lines = [
        f"{'id':>8}  {'topic':<34} {'key':<36} {'attempts':>8}  {'since (UTC)':<19}  "
        f"{'next try':>10}  {'waiting':>7}  error"
    ]
    for e in events:
        wait = (e.next_attempt_at - now).total_seconds()
        next_try = "due" if wait <= 0 else f"in {wait:.0f} s"
        since = e.since.astimezone(UTC)
        lines.append(
            f"{e.id:>8}  {e.topic:<34} {e.key:<36} {e.attempts:>8}  "
            f"{since:%Y-%m-%d %H:%M:%S}  {next_try:>10}  {e.waiting:>7}  {e.error}"
        )
    return "\n".join(lines)


def main(service: str, database_url: str, schema: str, argv: list[str]) -> None:
    """Run an outbox command against the service's own schema."""
    parser = argparse.ArgumentParser(
        prog=f"{service} outbox",
        description="Events the outbox relay could not publish (parked): list them, or make"
        " them due now. The relay also retries them by itself, with a growing wait.",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("list", help="list parked events and how many wait behind each")
    again = sub.add_parser("retry", help="make parked events due now")
    again.add_argument("ids", nargs="*", type=int, metavar="ID", help="ids from `list`")
    again.add_argument("--all", action="store_true", help="every parked event")
    args = parser.parse_args(argv)
    if args.command == "retry" and args.all == bool(args.ids):
        again.error("give the ids of parked events, or --all")

    async def run() -> None:
        conn = await asyncpg.connect(database_url, server_settings={"search_path": schema})
        try:
            if args.command == "list":
                events = await parked(conn)
                now = await conn.fetchval("SELECT now()")
                print(render(events, now))
                return
            made_due = await retry(conn, None if args.all else args.ids)
            print(f"{len(made_due)} parked event(s) due now: {' '.join(map(str, made_due))}")
            missing = sorted(set(args.ids) - set(made_due))
            if missing:
                raise SystemExit(f"not parked: {' '.join(map(str, missing))}")
        finally:
            await conn.close()

    asyncio.run(run())
