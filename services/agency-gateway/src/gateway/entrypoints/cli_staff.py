"""`python -m gateway staff issue|revoke|list`: the admin's tool for staff's personal accounts."""

from __future__ import annotations

import argparse
import asyncio
from uuid import UUID

import asyncpg

from gateway.adapters.staff_accounts import StaffOnConnection
from gateway.domain.errors import text
from gateway.domain.staff import ROLES, InvalidStaffAccountError
from gateway.service_layer import staff
from gateway.settings import GatewaySettings


def main(argv: list[str]) -> None:
    """Run a staff command."""
    parser = argparse.ArgumentParser(prog="gateway staff", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    issue = sub.add_parser("issue", help="issue a named person's account (token shown once)")
    issue.add_argument("agency")
    issue.add_argument("--name", required=True)
    issue.add_argument("--role", required=True, choices=ROLES)
    sub.add_parser("revoke", help="revoke an account at once").add_argument("account_id", type=UUID)
    sub.add_parser("list").add_argument("--agency")
    args = parser.parse_args(argv)
    settings = GatewaySettings()

    async def run() -> None:
        conn = await asyncpg.connect(
            settings.database_url, server_settings={"search_path": "gateway"}
        )
        unit = StaffOnConnection(conn)
        try:
            if args.command == "issue":
                command = staff.IssueStaffAccount(args.agency, args.name, args.role)
                try:
                    issued = await staff.issue_staff_account(command, unit)
                except InvalidStaffAccountError as exc:
                    raise SystemExit(text(exc.code, "en", **exc.values)) from exc
                print(
                    f"id:    {issued.account['id']}\ntoken: {issued.token}\n"
                    "(shown once; only its hash is kept)"
                )
            elif args.command == "revoke":
                row = await staff.revoke_staff_account(
                    staff.RevokeStaffAccount(args.account_id), unit
                )
                if row is None:
                    raise SystemExit(text("no_staff_account", "en"))
                print(f"revoked {args.account_id} ({row['name']}, {row['agency_code']})")
            else:
                for r in await staff.list_staff_accounts(
                    staff.ListStaffAccounts(args.agency), unit
                ):
                    state = f"revoked {r['revoked_at']:%Y-%m-%d}" if r["revoked_at"] else "active"
                    print(
                        f"{r['id']}  {r['agency_code']:<14} {r['role']:<10} {state:<18} {r['name']}"
                    )
        finally:
            await conn.close()

    asyncio.run(run())
