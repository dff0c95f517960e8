"""Who may read cases: the admin reads every case, district staff the cases of their regency."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from slrt_shared import regions

StaffKind = Literal["district", "admin"]


@dataclass(frozen=True)
class Staff:
    """The holder of a staff token."""

    kind: StaffKind
    regency_code: str | None = None

    def sees(self, village_code: str) -> bool:
        """Whether the holder may read a case of this village."""
        if self.kind == "admin":
            return True
        area = self.regency_code
        if not area:
            return False
        if regions.is_valid(village_code) and regions.is_valid(area):
            return village_code != area and regions.within(village_code, area)
        # The events' contract admits codes the shared parser refuses (a `00` segment): those
        # keep the character test they always had.
        return village_code.startswith(f"{area}.")
