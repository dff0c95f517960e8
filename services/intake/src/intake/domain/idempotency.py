"""Where a repeated request is recognised: by village and by the kind of key, not by token.

A Puskesos keeps its village when its operator's token is revoked and reissued, and an offline
device resending weeks later carries the same keys; so a key belongs to the complaint's village.
Header keys, device client ids and Open311 form digests are separate namespaces, so that a
header key spelled like a device's client id never meets it.
"""

from __future__ import annotations

from typing import Literal

from slrt_shared.idempotency import IdempotencyKey

KeySource = Literal["header", "batch", "open311"]
SOURCES: tuple[KeySource, ...] = ("header", "batch", "open311")


def key_of(source: KeySource, village_code: str, key: str) -> IdempotencyKey:
    """A key in its namespace: its scope is where it came from and the complaint's village."""
    return IdempotencyKey(f"{source}:{village_code}", key)
