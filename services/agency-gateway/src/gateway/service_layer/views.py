"""Reads: what an agency sees of its referrals (every read of personal data audited)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from gateway.domain.disclosure import AgencyView, view_for_agency
from gateway.domain.paging import (
    Filters,
    LegacyPosition,
    Position,
    decode_cursor,
    encode_cursor,
)
from gateway.domain.referrals import LEADS_TO, Referral
from gateway.service_layer.unit_of_work import ActionTaken, GatewayUnit


@dataclass(frozen=True)
class Page:
    """A page of an agency's referrals.

    `next_cursor` is None on the last page; `resume_cursor` is always set: the place after
    this page, to page on from later for referrals that arrive in the meantime.
    """

    items: list[AgencyView]
    next_cursor: str | None
    resume_cursor: str


async def agency_views(uow: GatewayUnit, referrals: list[Referral]) -> list[AgencyView]:
    """The agency's view of each referral, with the resident's data its service allows."""
    complaints = sorted({r.complaint_id for r in referrals})
    residents = await uow.residents(complaints)
    erased = await uow.erased_among(complaints)
    levels = await uow.pii_levels(sorted({r.service_code for r in referrals}))
    return [
        view_for_agency(
            r,
            residents.get(r.complaint_id),
            levels.get(r.service_code, "basic"),
            r.complaint_id in erased,
        )
        for r in referrals
    ]


async def _audit(
    uow: GatewayUnit, agency_code: str, views: list[AgencyView], account_id: UUID | None
) -> None:
    reads = [(v.referral.id, v.personal_fields) for v in views if v.personal_fields]
    if reads:
        await uow.audit(agency_code, reads, account_id)


@dataclass(frozen=True)
class ReadReferral:
    """An agency asks for one of its referrals."""

    agency_code: str
    referral_id: UUID
    account_id: UUID | None = None  # the person reading; None for the agency's system key


async def read_referral(query: ReadReferral, uow: GatewayUnit) -> AgencyView | None:
    """One of the agency's referrals (None for a missing one and for another agency's)."""
    agency_code, referral_id = query.agency_code, query.referral_id
    referral = await uow.referral(referral_id, agency_code)
    if referral is None:
        return None
    [view] = await agency_views(uow, [referral])
    await _audit(uow, agency_code, [view], query.account_id)
    return view


@dataclass(frozen=True)
class ListReferrals:
    """An agency asks for a page of its referrals, after a cursor, of one status or all."""

    agency_code: str
    status: str | None = None
    cursor: str | None = None
    limit: int = 50
    filters: Filters | None = None
    account_id: UUID | None = None  # the person reading; None for the agency's system key


async def list_referrals(query: ListReferrals, uow: GatewayUnit) -> Page:
    """A page of the agency's referrals, oldest first; raises InvalidCursorError."""
    agency_code, status, cursor, limit = query.agency_code, query.status, query.cursor, query.limit
    after = decode_cursor(cursor)
    if isinstance(after, LegacyPosition):
        after = await uow.legacy_position(agency_code, after.seq)
    rows = await uow.page(agency_code, status, after, limit + 1, query.filters)
    shown = rows[:limit]
    views = await agency_views(uow, shown)
    await _audit(uow, agency_code, views, query.account_id)
    end = Position(shown[-1].xid, shown[-1].seq) if shown else after
    return Page(views, encode_cursor(end) if len(rows) > limit else None, encode_cursor(end))


@dataclass(frozen=True)
class TimelineEntry:
    """One step of a referral's life as its agency sees it: what, when, and by whom."""

    kind: str  # dispatched, acknowledge, progress, reject, resolve, escalated, or case work
    at: datetime | None
    status: str | None = None
    outcome: str | None = None
    reason_code: str | None = None
    escalation_level: str | None = None
    account_id: UUID | None = None
    account_name: str | None = None
    by_system_key: bool = False


@dataclass(frozen=True)
class ReadTimeline:
    """An agency asks for the steps of one of its referrals."""

    agency_code: str
    referral_id: UUID


def timeline_of(
    referral: Referral, actions: list[ActionTaken], names: dict[UUID, str]
) -> list[TimelineEntry]:
    """Dispatch, then each action recorded in order, then the escalation the referral is at."""
    entries = [
        TimelineEntry("dispatched", referral.dispatched_at, status="dispatched"),
        *(
            TimelineEntry(
                a.action,
                a.at,
                status=a.status,
                outcome=a.outcome,
                reason_code=a.reason_code,
                account_id=a.account_id,
                account_name=names.get(a.account_id) if a.account_id else None,
                # The secretariat's steps (due_extended, withdrawn) are no agency's.
                by_system_key=a.account_id is None and a.action in LEADS_TO,
            )
            for a in actions
        ),
    ]
    if referral.escalation_level is not None:
        # The gateway keeps the level reached, not when: the entry carries no time.
        entries.append(TimelineEntry("escalated", None, escalation_level=referral.escalation_level))
    return entries


async def read_timeline(query: ReadTimeline, uow: GatewayUnit) -> list[TimelineEntry] | None:
    """The steps of one of the agency's referrals (None for a missing one and another's).

    No personal data is read: nothing is audited.
    """
    referral = await uow.referral(query.referral_id, query.agency_code)
    if referral is None:
        return None
    actions = await uow.actions_of(referral.id)
    people = sorted({a.account_id for a in actions if a.account_id is not None})
    names = await uow.staff_names(people) if people else {}
    return timeline_of(referral, actions, names)


# The CSV's columns: the referral's codes, statuses and dates, never the resident's data.
EXPORT_COLUMNS = (
    "referral_id",
    "ticket",
    "village_code",
    "service_code",
    "attempt",
    "status",
    "dispatched_at",
    "due_at",
    "updated_at",
    "escalation_level",
    "outcome",
    "reason_code",
)


@dataclass(frozen=True)
class ExportReferrals:
    """A supervisor asks for every referral of the agency."""

    agency_code: str


async def export_referrals(query: ExportReferrals, uow: GatewayUnit) -> list[list[str]]:
    """Every referral of the agency as CSV rows (EXPORT_COLUMNS), in the order they arrived.

    Every committed referral, unlike the list (which holds back rows of transactions that might
    still commit before them, for its cursors' sake): an export has no cursor.
    """
    return [
        [
            str(r.id),
            r.ticket,
            r.village_code,
            r.service_code,
            str(r.attempt),
            r.status,
            r.dispatched_at.isoformat(),
            r.due_at.isoformat(),
            r.updated_at.isoformat(),
            r.escalation_level or "",
            r.outcome or "",
            r.reason_code or "",
        ]
        for r in await uow.referrals_of_agency(query.agency_code)
    ]
