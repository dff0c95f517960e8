"""What an agency sees of its referrals (every read of personal data audited), and its copy."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from gateway.domain.disclosure import AgencyView, view_for_agency
from gateway.domain.paging import LegacyPosition, Position, decode_cursor, encode_cursor
from gateway.domain.referrals import Referral
from gateway.service_layer.ports import GatewayUnit
from slrt_shared.contracts.envelope import new_event
from slrt_shared.contracts.events import AgencyReferral, Resident

SOURCE = "/slrt/agency-gateway"


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


async def read_referral(uow: GatewayUnit, agency_code: str, referral_id: UUID) -> AgencyView | None:
    """One of the agency's referrals (None for a missing one and for another agency's)."""
    referral = await uow.referral(referral_id, agency_code)
    if referral is None:
        return None
    [view] = await agency_views(uow, [referral])
    await _audit(uow, agency_code, [view])
    return view


async def list_referrals(
    uow: GatewayUnit, agency_code: str, *, status: str | None, cursor: str | None, limit: int
) -> Page:
    """A page of the agency's referrals, oldest first; raises InvalidCursorError."""
    after = decode_cursor(cursor)
    if isinstance(after, LegacyPosition):
        after = await uow.legacy_position(agency_code, after.seq)
    rows = await uow.page(agency_code, status, after, limit + 1)
    shown = rows[:limit]
    views = await agency_views(uow, shown)
    await _audit(uow, agency_code, views)
    end = Position(shown[-1].xid, shown[-1].seq) if shown else after
    return Page(views, encode_cursor(end) if len(rows) > limit else None, encode_cursor(end))


async def publish_copy(uow: GatewayUnit, referral: Referral, change: str, at: datetime) -> None:
    """Put the agency's own copy of a referral, as it now stands, on its topic and webhook."""
    [view] = await agency_views(uow, [referral])
    copy = AgencyReferral(
        referral_id=referral.id,
        complaint_id=referral.complaint_id,
        ticket=referral.ticket,
        village_code=referral.village_code,
        service_code=referral.service_code,
        agency_code=referral.agency_code,
        status=referral.status,
        change=change,
        due_at=referral.due_at,
        escalation_level=referral.escalation_level,
        outcome=referral.outcome,
        resident=Resident.model_validate(view.resident) if view.resident else None,
        at=at,
    )
    event = new_event(copy, source=SOURCE, subject=referral.complaint_id, time=at)
    uow.emit_raw(uow.layout.agency(referral.agency_code), event)
    if await uow.webhook(referral.agency_code) is not None:
        await uow.enqueue_delivery(
            event.id, referral.agency_code, referral.id, change, event.to_bytes().decode()
        )
