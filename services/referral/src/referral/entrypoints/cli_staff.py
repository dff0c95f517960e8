"""`python -m referral staff issue|revoke|list`: the admin's tool for the personal accounts of
secretariat staff (per regency) and kecamatan staff (per kecamatan)."""

from __future__ import annotations

import argparse
import asyncio
from uuid import UUID

import asyncpg

from referral.adapters.staff_accounts import StaffOnConnection
from referral.domain import errors
from referral.domain.staff import ACCOUNT_KINDS, InvalidStaffAccountError
from referral.service_layer import staff
from referral.settings import ReferralSettings


def main(argv: list[str]) -> None:
    """Run a staff command."""
    parser = argparse.ArgumentParser(prog="referral staff", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    issue = sub.add_parser("issue", help="issue a named person's account (token shown once)")
    issue.add_argument("kind", choices=ACCOUNT_KINDS)
    issue.add_argument("area", help="a regency (secretariat) or kecamatan code")
    issue.add_argument("--name", required=True)
    sub.add_parser("revoke", help="revoke an account at once").add_argument("account_id", type=UUID)
    sub.add_parser("list").add_argument("--area")
    args = parser.parse_args(argv)
    settings = ReferralSettings()

    async def run() -> None:
        conn = await asyncpg.connect(
            settings.database_url, server_settings={"search_path": "referral"}
        )
        unit = StaffOnConnection(conn)
        try:
            if args.command == "issue":
                command = staff.IssueStaffAccount(args.kind, args.area, args.name)
                try:
                    issued = await staff.issue_staff_account(command, unit)
                except InvalidStaffAccountError as exc:
                    raise SystemExit(errors.ACCOUNT_ERRORS[exc.code].en) from exc
                print(
                    f"id:    {issued.account['id']}\ntoken: {issued.token}\n"
                    "(shown once; only its hash is kept)"
                )
            elif args.command == "revoke":
                row = await staff.revoke_staff_account(
                    staff.RevokeStaffAccount(args.account_id), unit
                )
                if row is None:
                    raise SystemExit(errors.NO_STAFF_ACCOUNT.en)
                where = f"{row['kind']} {row['area_code']}"
                print(f"revoked {args.account_id} ({row['name']}, {where})")
            else:
                for r in await staff.list_staff_accounts(staff.ListStaffAccounts(args.area), unit):
                    state = f"revoked {r['revoked_at']:%Y-%m-%d}" if r["revoked_at"] else "active"
                    print(f"{r['id']}  {r['kind']:<11} {r['area_code']:<9} {state:<18} {r['name']}")
        finally:
            await conn.close()

    asyncio.run(run())
