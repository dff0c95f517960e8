"""Opaque cursors over an agency's referrals, in the order the gateway received them."""

from __future__ import annotations

import base64
import binascii

_KIND = "s"


class InvalidCursorError(ValueError):
    """A cursor this service did not hand out."""


def encode_cursor(seq: int) -> str:
    """An opaque cursor for the position after `seq`."""
    return base64.urlsafe_b64encode(f"{_KIND}:{seq}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> int:
    """The position a cursor stands for (0 for none)."""
    if not cursor:
        return 0
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise InvalidCursorError(cursor) from exc
    kind, _, value = raw.partition(":")
    if kind != _KIND or not (value.isascii() and value.isdigit()):
        raise InvalidCursorError(cursor)
    return int(value)
