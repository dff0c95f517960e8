"""What an agency sees of a referral, and the agency-topic copy of it."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from gateway.adapters.repository import GatewayUnitOfWork
from gateway.domain.referrals import disclosed_fields
from slrt_shared.contracts.envelope import new_event
from slrt_shared.contracts.events import AgencyReferral, Resident

SOURCE = "/slrt/agency-gateway"


async def resident_view(uow: GatewayUnitOfWork, referral: dict[str, Any]) -> dict[str, Any] | None:
    """The resident's data the referral's service allows its agency to see."""
    resident = await uow.resident(referral["complaint_id"])
    if resident is None:
        return None
    fields = disclosed_fields(await uow.pii_level(referral["service_code"]))
    return {f: resident.get(f) for f in fields}


async def publish_copy(uow: GatewayUnitOfWork, referral_id: Any, change: str) -> None:
    """Put the agency's own copy of a referral, as it now stands, on its topic."""
    row = await uow.referral(referral_id)
    assert row is not None
    resident = await resident_view(uow, row)
    copy = AgencyReferral(
        referral_id=row["id"],
        complaint_id=row["complaint_id"],
        ticket=row["ticket"],
        village_code=row["village_code"],
        service_code=row["service_code"],
        agency_code=row["agency_code"],
        status=row["status"],
        change=change,
        due_at=row["due_at"],
        escalation_level=row["escalation_level"],
        outcome=row["outcome"],
        resident=Resident(**resident) if resident else None,
        at=datetime.now(UTC),
    )
    event = new_event(copy, source=SOURCE, subject=row["complaint_id"])
    uow.emit_raw(uow.layout.agency(row["agency_code"]), event)
    if await uow.webhook(row["agency_code"]) is not None:
        await uow.enqueue_delivery(
            event.id, row["agency_code"], row["id"], change, event.to_bytes().decode()
        )
