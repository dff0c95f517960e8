"""`python -m intake operators issue|list|revoke`: the admin's tool for operator tokens."""

from __future__ import annotations

import argparse
import asyncio
from uuid import UUID

import asyncpg

from intake.settings import IntakeSettings
from slrt_shared.tokens import hash_token, new_token


async def issue(
    conn: asyncpg.Connection, *, village: str | None, regency: str | None, label: str
) -> tuple[UUID, str]:
    """Issue a token bound to a village (operator) or a regency (district staff)."""
    token = new_token("op_" if village else "ds_")
    if village:
        row = await conn.fetchrow("SELECT regency_code FROM villages WHERE code = $1", village)
        if row is None:
            raise SystemExit(f"unknown village {village}: run `seed` for its regency first")
        kind, regency = "operator", row["regency_code"]
    else:
        kind = "district"
    token_id = await conn.fetchval(
        "INSERT INTO operators (token_hash, kind, village_code, regency_code, label)"
        " VALUES ($1, $2, $3, $4, $5) RETURNING id",
        hash_token(token),
        kind,
        village,
        regency,
        label,
    )
    return token_id, token


async def listing(conn: asyncpg.Connection, village: str | None) -> list[asyncpg.Record]:
    """Every token (never the secret), newest first."""
    rows: list[asyncpg.Record] = await conn.fetch(
        "SELECT id, kind, COALESCE(village_code, regency_code) AS scope, label, created_at,"
        " revoked_at FROM operators WHERE $1::text IS NULL OR village_code = $1"
        " ORDER BY created_at DESC",
        village,
    )
    return rows


async def revoke(conn: asyncpg.Connection, token_id: UUID) -> bool:
    """Revoke a token at once; False if there is no such active token."""
    done = await conn.execute(
        "UPDATE operators SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL", token_id
    )
    return bool(done.endswith(" 1"))


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
