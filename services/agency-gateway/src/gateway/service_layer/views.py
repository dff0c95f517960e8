"""Reads: what an agency sees of its referrals (every read of personal data audited)."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from gateway.domain.disclosure import AgencyView, view_for_agency
from gateway.domain.paging import LegacyPosition, Position, decode_cursor, encode_cursor
from gateway.domain.referrals import Referral
from gateway.service_layer.unit_of_work import GatewayUnit


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


async def _audit(uow: GatewayUnit, agency_code: str, views: list[AgencyView]) -> None:
    reads = [(v.referral.id, v.personal_fields) for v in views if v.personal_fields]
    if reads:
        await uow.audit(agency_code, reads)


@dataclass(frozen=True)
class ReadReferral:
    """An agency asks for one of its referrals."""

    agency_code: str
    referral_id: UUID


async def read_referral(query: ReadReferral, uow: GatewayUnit) -> AgencyView | None:
    """One of the agency's referrals (None for a missing one and for another agency's)."""
    agency_code, referral_id = query.agency_code, query.referral_id
    referral = await uow.referral(referral_id, agency_code)
    if referral is None:
        return None
    [view] = await agency_views(uow, [referral])
    await _audit(uow, agency_code, [view])
    return view


@dataclass(frozen=True)
class ListReferrals:
    """An agency asks for a page of its referrals, after a cursor, of one status or all."""

    agency_code: str
    status: str | None = None
    cursor: str | None = None
    limit: int = 50


async def list_referrals(query: ListReferrals, uow: GatewayUnit) -> Page:
    """A page of the agency's referrals, oldest first; raises InvalidCursorError."""
    agency_code, status, cursor, limit = query.agency_code, query.status, query.cursor, query.limit
    after = decode_cursor(cursor)
    if isinstance(after, LegacyPosition):
        after = await uow.legacy_position(agency_code, after.seq)
    rows = await uow.page(agency_code, status, after, limit + 1)
    shown = rows[:limit]
    views = await agency_views(uow, shown)
    await _audit(uow, agency_code, views)
    end = Position(shown[-1].xid, shown[-1].seq) if shown else after
    return Page(views, encode_cursor(end) if len(rows) > limit else None, encode_cursor(end))
