"""Who may read cases: the admin reads every case, district staff the cases of their regency."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

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
        return bool(self.regency_code) and village_code.startswith(f"{self.regency_code}.")
