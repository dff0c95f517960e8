"""Where a repeated request is recognised: by village and by the kind of key, not by token.

A Puskesos keeps its village when its operator's token is revoked and reissued, and an offline
device resending weeks later carries the same keys; so a key belongs to the complaint's village.
Header keys, device client ids and Open311 form digests are separate namespaces, so that a
header key spelled like a device's client id never meets it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

KeySource = Literal["header", "batch", "open311"]
SOURCES: tuple[KeySource, ...] = ("header", "batch", "open311")


@dataclass(frozen=True)
class IdempotencyKey:
    """One key in its namespace: where it came from, the complaint's village, the key itself."""

    source: KeySource
    village_code: str
    key: str

    @property
    def lock_name(self) -> str:
        """A name that differs whenever the key differs, for serialising concurrent repeats."""
        return f"{self.source}|{self.village_code}|{self.key}"
