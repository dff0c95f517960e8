"""The admin issues, revokes and lists the personal accounts of secretariat and kecamatan staff."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from referral.domain.staff import TOKEN_PREFIX, checked_account
from referral.service_layer.unit_of_work import StaffRegistry
from slrt_shared.tokens import hash_token, new_token


@dataclass(frozen=True)
class IssueStaffAccount:
    """A named person of the secretariat (a regency) or of a kecamatan."""

    kind: str
    area_code: str
    name: str


@dataclass(frozen=True)
class IssuedStaffAccount:
    """The account stored, and its token: shown this once, only its hash is kept."""

    account: dict[str, Any]
    token: str


async def issue_staff_account(command: IssueStaffAccount, uow: StaffRegistry) -> IssuedStaffAccount:
    """Issue an account; raises InvalidStaffAccountError (bad kind, area or name)."""
    kind, area, name = checked_account(command.kind, command.area_code, command.name)
    token = new_token(TOKEN_PREFIX)
    account = await uow.add_staff_account(hash_token(token), kind, area, name)
    return IssuedStaffAccount(account, token)


@dataclass(frozen=True)
class RevokeStaffAccount:
    """The admin revokes one account."""

    account_id: UUID


async def revoke_staff_account(
    command: RevokeStaffAccount, uow: StaffRegistry
) -> dict[str, Any] | None:
    """Revoke an active account at once (its row), or None when no active one has that id."""
    return await uow.revoke_staff_account(command.account_id)


@dataclass(frozen=True)
class ListStaffAccounts:
    """The admin lists the accounts, of one area or all."""

    area_code: str | None = None


async def list_staff_accounts(query: ListStaffAccounts, uow: StaffRegistry) -> list[dict[str, Any]]:
    """Every account, oldest first (never a token or its hash)."""
    return await uow.staff_accounts(query.area_code)
