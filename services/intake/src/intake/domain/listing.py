"""The list of a village's or a regency's complaints: its filters, pages, masks and referrals.

Pure rules: which query parameters are valid (each refusal a coded problem), where a caller's
list may look, the opaque cursor of the keyset (received_at, id), how the resident is shown
(masked, never the full NIK) and what each referral looks like as the tracker's projection (the
public timeline) knows it.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from intake.domain import tickets
from intake.domain.access import Caller
from intake.domain.complaints import Problem
from intake.domain.tracking import TimelineEntry
from slrt_shared import regions

DEFAULT_LIMIT = 50
MAX_LIMIT = 200
MAX_CLIENT_ID = 100
# The complaints' public statuses, as the tracker derives them.
STATUSES = ("received", "referred", "in_progress", "closed")
PARAMETERS = frozenset(
    {"status", "from", "to", "ticket", "client_id", "village", "kecamatan", "limit", "cursor"}
)
# A date of `from`/`to` is a day at the Puskesos: Western Indonesia Time, as Karawang, Kendal and
# Kapuas keep it.
DAY_ZONE = ZoneInfo("Asia/Jakarta")
_INTEGER = re.compile(r"^[0-9]{1,4}$")
_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
_OPEN = frozenset({"dispatched", "acknowledged", "in_progress"})
_LADDER = ("kecamatan", "kabupaten")


@dataclass(frozen=True)
class Position:
    """Where a page ended: the last item's (received_at, id), newest first."""

    received_at: datetime
    complaint_id: UUID


@dataclass(frozen=True)
class ComplaintFilter:
    """A valid list request: its filters, page size and where the page starts."""

    status: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    ticket: str | None = None
    client_id: str | None = None
    village: str | None = None
    kecamatan: str | None = None
    limit: int = DEFAULT_LIMIT
    after: Position | None = None

    def audited(self) -> dict[str, str]:
        """The filters as the audit log keeps them (the page's size and start apart)."""
        values = {
            "status": self.status,
            "from": self.since.isoformat() if self.since else None,
            "to": self.until.isoformat() if self.until else None,
            "ticket": self.ticket,
            "client_id": self.client_id,
            "village": self.village,
            "kecamatan": self.kecamatan,
        }
        return {k: v for k, v in values.items() if v is not None}


@dataclass(frozen=True)
class Parsed:
    """The filter of a list request, or the problems of its parameters (one per parameter)."""

    filter: ComplaintFilter | None
    problems: tuple[Problem, ...] = ()


@dataclass(frozen=True)
class Scope:
    """Where a caller's list looks: complaints whose village is `village` (when set) and lies
    within `area` (a regency or kecamatan code, when set). `empty`: nowhere at all."""

    village: str | None
    area: str | None
    empty: bool = False


def parse(params: Sequence[tuple[str, str]]) -> Parsed:
    """Read a list request's query parameters (each at most once) into a filter."""
    problems: list[Problem] = []
    seen: dict[str, str] = {}
    for name, value in params:
        if name not in PARAMETERS:
            problems.append(Problem("unknown_parameter", name))
        elif name in seen:
            problems.append(Problem("repeated_parameter", name))
        else:
            seen[name] = value
    values: dict[str, Any] = {}
    for name, value in seen.items():
        try:
            values[name] = _READERS[name](value)
        except _RefusedError as refused:
            problems.append(Problem(refused.code, name))
    since, until = values.get("from"), values.get("to")
    if since is not None and until is not None and until <= since:
        problems.append(Problem("date_range_reversed", "to"))
    if problems:
        return Parsed(None, tuple(problems))
    return Parsed(
        ComplaintFilter(
            status=values.get("status"),
            since=since,
            until=until,
            ticket=values.get("ticket"),
            client_id=values.get("client_id"),
            village=values.get("village"),
            kecamatan=values.get("kecamatan"),
            limit=values.get("limit", DEFAULT_LIMIT),
            after=values.get("cursor"),
        )
    )


def scope(caller: Caller, wanted: ComplaintFilter) -> Scope:
    """The operator's own village, district staff's regency, narrowed by `village`/`kecamatan`.

    A filter outside the caller's area answers nothing (an empty list, never a refusal that
    would tell which villages have complaints).
    """
    if caller.kind == "operator" and caller.village_code:
        own = caller.village_code
        outside = (wanted.village is not None and wanted.village != own) or (
            wanted.kecamatan is not None
            and not (regions.is_valid(own) and regions.within(own, wanted.kecamatan))
        )
        return Scope(own, None, empty=outside)
    regency = caller.regency_code
    if caller.kind != "district" or not regions.is_valid(regency):
        return Scope(None, None, empty=True)
    area = wanted.kecamatan or regency
    outside = not regions.within(area, regency) or (
        wanted.village is not None and not regions.within(wanted.village, area)
    )
    return Scope(wanted.village, area, empty=outside)


def encode_cursor(position: Position) -> str:
    """The opaque cursor a client sends back for the page after `position`."""
    raw = json.dumps([position.received_at.isoformat(), str(position.complaint_id)])
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> Position:
    """The position an opaque cursor names; ValueError for anything not made by encode_cursor."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        at, complaint_id = json.loads(raw)
        position = Position(datetime.fromisoformat(at), UUID(complaint_id))
    except (binascii.Error, ValueError, TypeError, AttributeError) as exc:
        raise ValueError("not a cursor") from exc
    if position.received_at.tzinfo is None:
        raise ValueError("not a cursor")
    return position


def mask_nik(nik: str) -> str:
    """A NIK with only its region (first six digits) and last four shown: the birth date and sex
    (digits 7 to 12) never leave in a list."""
    if len(nik) < 10:
        return "*" * len(nik)
    return nik[:6] + "*" * (len(nik) - 10) + nik[-4:]


def mask_name(name: str) -> str:
    """Each word of a name by its first letter; the rest hidden, its length too."""
    return " ".join(word[0] + "***" for word in name.split())


@dataclass
class ReferralView:
    """One referral of a complaint as the timeline tells it."""

    agency_code: str
    dispatched_at: datetime
    due_at: datetime | None
    status: str = "dispatched"
    outcome: str | None = None
    escalation_level: str | None = None
    overdue: bool = False

    @property
    def escalated(self) -> bool:
        """Whether the referral was pushed up the ladder."""
        return self.escalation_level is not None


# A timeline entry as the list's query hands it over: the tracker's own.
Entry = TimelineEntry


def referrals(entries: Sequence[Entry], now: datetime) -> list[ReferralView]:
    """The referrals of a complaint from its timeline, in the order they were dispatched.

    The timeline keeps no referral id: an agency's update applies to that agency's latest
    referral dispatched before it, and an escalation (which names no agency) to the referrals
    open and past their due time when it came. A referral is overdue while it is open after its
    due time.
    """
    found: list[ReferralView] = []
    for entry in sorted(entries, key=lambda e: e.at):
        if entry.kind == "referred" and entry.agency_code:
            found.append(ReferralView(entry.agency_code, entry.at, entry.due_at))
        elif entry.kind in {"acknowledged", "in_progress", "rejected", "resolved"}:
            target = next((r for r in reversed(found) if r.agency_code == entry.agency_code), None)
            if target is not None and target.status in _OPEN:
                target.status = entry.kind
                target.outcome = entry.outcome if entry.kind == "resolved" else None
        elif entry.kind == "escalated" and entry.level in _LADDER:
            for r in found:
                if r.status in _OPEN and r.due_at is not None and r.due_at <= entry.at:
                    r.escalation_level = _higher(r.escalation_level, entry.level)
    for r in found:
        r.overdue = r.status in _OPEN and r.due_at is not None and r.due_at < now
    return found


def _higher(current: str | None, level: str) -> str:
    if current is None:
        return level
    return max(current, level, key=_LADDER.index)


class _RefusedError(Exception):
    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def _status(value: str) -> str:
    if value not in STATUSES:
        raise _RefusedError("unknown_status")
    return value


def _day(value: str) -> date:
    if not _DATE.match(value):
        raise _RefusedError("invalid_date")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise _RefusedError("invalid_date") from None


def _from(value: str) -> datetime:
    return datetime.combine(_day(value), time(), DAY_ZONE)


def _to(value: str) -> datetime:
    # `to` is the last day wanted: the list runs until the start of the day after it.
    return datetime.combine(_day(value) + timedelta(days=1), time(), DAY_ZONE)


def _ticket(value: str) -> str:
    ticket = tickets.normalise(value.strip())
    if not tickets.is_ticket(ticket):
        raise _RefusedError("invalid_ticket")
    return ticket


def _client_id(value: str) -> str:
    if not 0 < len(value) <= MAX_CLIENT_ID:
        raise _RefusedError("invalid_client_id")
    return value


def _village(value: str) -> str:
    if not regions.is_valid(value, "village"):
        raise _RefusedError("invalid_village_code")
    return value


def _kecamatan(value: str) -> str:
    if not regions.is_valid(value, "district"):
        raise _RefusedError("invalid_kecamatan_code")
    return value


def _limit(value: str) -> int:
    if not _INTEGER.match(value) or not 1 <= int(value) <= MAX_LIMIT:
        raise _RefusedError("invalid_limit")
    return int(value)


def _cursor(value: str) -> Position:
    try:
        return decode_cursor(value)
    except ValueError:
        raise _RefusedError("invalid_cursor") from None


_READERS: dict[str, Any] = {
    "status": _status,
    "from": _from,
    "to": _to,
    "ticket": _ticket,
    "client_id": _client_id,
    "village": _village,
    "kecamatan": _kecamatan,
    "limit": _limit,
    "cursor": _cursor,
}
