"""Opaque cursors over an agency's referrals, in the order their transactions settled.

A referral's place in the list is the transaction that inserted it, then its insertion number
(`seq`). The list hands out a row only once every transaction older than the reader's snapshot
has ended, so no referral can later commit behind a cursor already handed out: a cursor never
skips. Cursors handed out before (`s:<seq>`) are still accepted.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import datetime

_KIND = "x"
_LEGACY_KIND = "s"
_LIMIT = 2**63  # both numbers are stored as Postgres bigint-sized values


class InvalidCursorError(ValueError):
    """A cursor this service did not hand out."""


@dataclass(frozen=True, order=True)
class Position:
    """A place in an agency's list: after the referral `seq` inserted by transaction `xid`."""

    xid: int
    seq: int


START = Position(0, 0)


@dataclass(frozen=True)
class LegacyPosition:
    """A place named by an older cursor: after the referral inserted as `seq`."""

    seq: int


def encode_cursor(position: Position) -> str:
    """An opaque cursor for the place after `position`."""
    raw = f"{_KIND}:{position.xid}:{position.seq}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> Position | LegacyPosition:
    """The place a cursor stands for (the start for none)."""
    if not cursor:
        return START
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise InvalidCursorError(cursor) from exc
    kind, _, rest = raw.partition(":")
    values = rest.split(":")
    if not all(v.isascii() and v.isdigit() for v in values):
        raise InvalidCursorError(cursor)
    numbers = [int(v) for v in values]
    if any(n >= _LIMIT for n in numbers):
        raise InvalidCursorError(cursor)
    if kind == _KIND and len(numbers) == 2:
        return Position(*numbers)
    if kind == _LEGACY_KIND and len(numbers) == 1:
        return LegacyPosition(numbers[0])
    raise InvalidCursorError(cursor)


@dataclass(frozen=True)
class Filters:
    """What an agency's inbox narrows its list to; every field unset means all referrals.

    `overdue` keeps the open referrals (dispatched, acknowledged, in progress) due before
    `now`; `due_before` any referral due before that time; `escalated` those escalated at all;
    `without_withdrawn` leaves out the referrals the secretariat took from the agency.
    """

    service_code: str | None = None
    village_code: str | None = None
    due_before: datetime | None = None
    overdue: bool = False
    escalated: bool = False
    now: datetime | None = None
    without_withdrawn: bool = False
