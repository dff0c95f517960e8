"""Who acts for an agency: its system key (machines) or a named person with a role.

Every caller sees only its own agency's referrals. A viewer reads; an officer also acts; a
supervisor also exports the agency's referrals. The agency's system key reads and acts, as it
always has; exports are for supervisors.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal, get_args
from uuid import UUID

Role = Literal["officer", "viewer", "supervisor"]
ROLES: Final[tuple[Role, ...]] = get_args(Role)
NAME_MAX: Final = 200
# A staff token starts so, an agency's system key with `ak_`: both are bearer tokens.
TOKEN_PREFIX: Final = "st_"


@dataclass(frozen=True)
class Caller:
    """An authenticated caller: its agency, and the person (None for the system key)."""

    agency_code: str
    account_id: UUID | None = None
    role: Role | None = None
    name: str | None = None

    @property
    def may_act(self) -> bool:
        """Whether it may acknowledge, progress, reject and resolve its agency's referrals."""
        return self.role != "viewer"

    @property
    def may_export(self) -> bool:
        """Whether it may export the agency's referrals as CSV."""
        return self.role == "supervisor"


class InvalidStaffAccountError(ValueError):
    """A staff account that cannot be issued as asked (its `code` names the catalogue entry)."""

    def __init__(self, code: str, **values: str) -> None:
        super().__init__(code)
        self.code = code
        self.values = values


def checked_account(name: str, role: str) -> tuple[str, Role]:
    """The person's name (trimmed) and role, or InvalidStaffAccountError."""
    trimmed = " ".join(name.split())
    if not trimmed or len(trimmed) > NAME_MAX:
        raise InvalidStaffAccountError("staff_name_invalid")
    if role not in ROLES:
        raise InvalidStaffAccountError("staff_role_invalid", known=", ".join(ROLES))
    return trimmed, role
