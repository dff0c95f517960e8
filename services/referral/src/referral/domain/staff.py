"""Who may read cases: the admin every case, district and secretariat staff the cases of their
regency, kecamatan staff the cases of their kecamatan.

District staff hold the regency's shared token (seeded); secretariat and kecamatan staff are named
people with a personal account the admin issues and revokes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal, get_args
from uuid import UUID

from slrt_shared import regions

StaffKind = Literal["district", "admin", "secretariat", "kecamatan"]
AccountKind = Literal["secretariat", "kecamatan"]
ACCOUNT_KINDS: Final[tuple[AccountKind, ...]] = get_args(AccountKind)
NAME_MAX: Final = 200
# A personal account's token starts so (the district's shared token with `dst_`).
TOKEN_PREFIX: Final = "sk_"


@dataclass(frozen=True)
class Staff:
    """The holder of a staff token: its kind, its area, and the person of a personal account."""

    kind: StaffKind
    regency_code: str | None = None
    kecamatan_code: str | None = None
    account_id: UUID | None = None
    name: str | None = None

    @property
    def works_cases(self) -> bool:
        """Whether the holder may act on cases (the secretariat and the admin; others read)."""
        return self.kind in ("secretariat", "admin")

    def sees(self, village_code: str) -> bool:
        """Whether the holder may read a case of this village."""
        if self.kind == "admin":
            return True
        area = self.kecamatan_code if self.kind == "kecamatan" else self.regency_code
        if not area:
            return False
        if regions.is_valid(village_code) and regions.is_valid(area):
            return village_code != area and regions.within(village_code, area)
        # The events' contract admits codes the shared parser refuses (a `00` segment): those
        # keep the character test they always had.
        return village_code.startswith(f"{area}.")


class InvalidStaffAccountError(ValueError):
    """A personal account that cannot be issued as asked (`code` names the catalogue entry)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def checked_account(kind: str, area_code: str, name: str) -> tuple[AccountKind, str, str]:
    """The account's kind, area (a regency for the secretariat, a kecamatan for kecamatan staff)
    and trimmed name, or InvalidStaffAccountError."""
    trimmed = " ".join(name.split())
    if not trimmed or len(trimmed) > NAME_MAX:
        raise InvalidStaffAccountError("staff_name_invalid")
    if kind not in ACCOUNT_KINDS:
        raise InvalidStaffAccountError("staff_kind_invalid")
    level: regions.Level = "regency" if kind == "secretariat" else "district"
    if not regions.is_valid(area_code, level):
        raise InvalidStaffAccountError("staff_area_invalid")
    return kind, area_code, trimmed
