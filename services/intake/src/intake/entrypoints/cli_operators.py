"""`python -m intake operators issue|list|revoke`: the admin's tool for operator tokens."""

from __future__ import annotations

import argparse
import asyncio
from uuid import UUID

import asyncpg

from intake.adapters.operators import issue, listing, revoke
from intake.settings import IntakeSettings

__all__ = ["issue", "listing", "main", "revoke"]


def main(argv: list[str]) -> None:
    """Run an operators command."""
    parser = argparse.ArgumentParser(prog="intake operators", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    issue_p = sub.add_parser("issue", help="issue a token and print it once")
    scope = issue_p.add_mutually_exclusive_group(required=True)
    scope.add_argument("--village", help="village code of the Puskesos operator")
    scope.add_argument("--district", help="regency code of district staff, e.g. 32.15")
    issue_p.add_argument("--label", required=True, help="who holds it, e.g. the operator's name")
    list_p = sub.add_parser("list", help="list tokens (without secrets)")
    list_p.add_argument("--village")
    revoke_p = sub.add_parser("revoke", help="revoke a token by its id")
    revoke_p.add_argument("token_id", type=UUID)
    args = parser.parse_args(argv)
    settings = IntakeSettings()

    async def run() -> None:
        conn = await asyncpg.connect(
            settings.database_url, server_settings={"search_path": "intake"}
        )
        try:
            if args.command == "issue":
                token_id, token = await issue(
                    conn, village=args.village, regency=args.district, label=args.label
                )
                print(f"id:    {token_id}\ntoken: {token}\n(shown once; only its hash is kept)")
            elif args.command == "list":
                for r in await listing(conn, args.village):
                    state = f"revoked {r['revoked_at']:%Y-%m-%d}" if r["revoked_at"] else "active"
                    print(f"{r['id']}  {r['kind']:<8} {r['scope']:<14} {state:<18} {r['label']}")
            elif not await revoke(conn, args.token_id):
                raise SystemExit(f"no active token with id {args.token_id}")
            else:
                print(f"revoked {args.token_id}")
        finally:
            await conn.close()

    asyncio.run(run())
