"""Keep the facts up to date from the platform's events; each event counts once (inbox)."""

from __future__ import annotations

from monitoring.domain.regions import areas_of_village
from monitoring.service_layer import programmes
from monitoring.service_layer.unit_of_work import UnitOfWork
from slrt_shared.contracts.events import (
    AgencyRegistered,
    CaseResolved,
    ComplaintClosed,
    ComplaintCreated,
    ReferralDispatched,
    ReferralEscalated,
    ReferralUpdated,
)
from slrt_shared.contracts.reasons import is_reason_code


async def on_created(data: ComplaintCreated, uow: UnitOfWork) -> None:
    """Count a complaint for its village."""
    kecamatan, regency = areas_of_village(data.village_code)
    await uow.add_complaint(
        {
            "complaint_id": data.complaint_id,
            "village_code": data.village_code,
            "kecamatan_code": kecamatan,
            "regency_code": regency,
            "needs": len(data.needs),
            "channel": data.channel,
            "received_at": data.received_at,
            "recorded_at": data.recorded_at,
        }
    )
    if data.data_proposal is not None:
        await programmes.on_data_proposal(data, data.data_proposal, uow)


async def on_dispatched(data: ReferralDispatched, uow: UnitOfWork) -> None:
    """Record a referral and its deadline."""
    await uow.upsert_referral(
        data.referral_id,
        data.complaint_id,
        agency_code=data.agency_code,
        service_code=data.service_code,
        dispatched_at=data.dispatched_at,
        due_at=data.due_at,
        attempt=data.attempt,
        **programmes.stage_fields(data),
    )


async def on_updated(data: ReferralUpdated, uow: UnitOfWork) -> None:
    """Record an acknowledgement or a rejection (with its reason code, never a note)."""
    if data.status == "acknowledged":
        await uow.upsert_referral(data.referral_id, data.complaint_id, acknowledged_at=data.at)
    elif data.status == "rejected":
        # Only a code of the list is kept; a rejection from before reason codes (or with a code
        # newer than this list) keeps none, and the reports count it as `lainnya`.
        code = data.reason_code if data.reason_code and is_reason_code(data.reason_code) else None
        await uow.upsert_referral(
            data.referral_id, data.complaint_id, rejected=True, reason_code=code
        )
        await programmes.on_rejection(data, uow)


async def on_escalated(data: ReferralEscalated, uow: UnitOfWork) -> None:
    """Count an escalation."""
    await uow.escalate(data.referral_id, data.complaint_id)


async def on_resolved(data: CaseResolved, uow: UnitOfWork) -> None:
    """Record a referral's outcome."""
    await uow.upsert_referral(
        data.referral_id, data.complaint_id, resolved_at=data.resolved_at, outcome=data.outcome
    )


async def on_closed(data: ComplaintClosed, uow: UnitOfWork) -> None:
    """Record when a complaint closed."""
    kecamatan, regency = areas_of_village(data.village_code)
    await uow.close_complaint(
        data.complaint_id, data.village_code, kecamatan, regency, data.closed_at
    )


async def on_agency_registered(data: AgencyRegistered, uow: UnitOfWork) -> None:
    """Keep an agency's names for the agency ranking."""
    await uow.save_agency(data.code, data.name_id, data.name_en, data.kind, data.registered_at)
