"""An agency acknowledges, works on, rejects or resolves one of its referrals."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any, cast
from uuid import UUID

from gateway.domain.disclosure import view_for_agency
from gateway.domain.referrals import AgencyAction, apply
from gateway.service_layer.agency_copy import SOURCE, copy_event, delivery_of
from gateway.service_layer.unit_of_work import GatewayUnit
from slrt_shared import idempotency
from slrt_shared.contracts.envelope import new_event
from slrt_shared.contracts.events import (
    CaseResolved,
    EventData,
    ReferralStatus,
    ReferralUpdated,
)


class ReferralNotFoundError(Exception):
    """No such referral for this agency (another agency's is answered the same way)."""


@dataclass(frozen=True)
class ActionResult:
    """The referral's status after an action: what the agency is answered, every time."""

    referral_id: UUID
    status: str
    outcome: str | None
    note: str | None
    at: datetime
    reason_code: str | None = None

    def to_json(self) -> dict[str, Any]:
        """The result as stored under its idempotency key."""
        return {**asdict(self), "referral_id": str(self.referral_id), "at": self.at.isoformat()}

    @classmethod
    def from_json(cls, stored: dict[str, Any]) -> ActionResult:
        """A result stored under an idempotency key."""
        return cls(
            referral_id=UUID(stored["referral_id"]),
            status=stored["status"],
            outcome=stored.get("outcome"),
            note=stored.get("note"),
            at=datetime.fromisoformat(stored["at"]),
            reason_code=stored.get("reason_code"),
        )


def fingerprint(referral_id: UUID, request: AgencyAction) -> str:
    """Hash of a request, to tell a repeat from a different request under the same key."""
    parts = [str(referral_id), request.action, request.note, request.outcome]
    if request.reason_code is not None:
        # Only when given: a request from before reason codes keeps the hash it was stored with.
        parts.append(request.reason_code)
    return idempotency.fingerprint(parts)


@dataclass(frozen=True)
class ActOnReferral:
    """An agency's action on one of its referrals, under the request's idempotency key."""

    agency_code: str
    referral_id: UUID
    request: AgencyAction
    idempotency_key: str
    now: datetime | None = None


async def act(command: ActOnReferral, uow: GatewayUnit) -> ActionResult:
    """Apply an agency's action once per idempotency key, and announce it.

    Raises ReferralNotFoundError, slrt_shared's IdempotencyKeyReusedError or the domain's
    ActionRefusedError.
    """
    agency_code, referral_id = command.agency_code, command.referral_id
    request = command.request
    digest = fingerprint(referral_id, request)
    # An agency's keys are its own: the scope of a key is the agency that sent it.
    key = idempotency.IdempotencyKey(agency_code, command.idempotency_key)
    earlier = await uow.replay(key, digest)
    if earlier is not None:
        return ActionResult.from_json(earlier)
    # The complaint's lock, as the event handlers take it (a copy of this change and one that
    # brings the resident's data cannot each be built without the other), then the row's.
    at_hand = await uow.referral_to_change(referral_id, agency_code)
    if at_hand is None:
        raise ReferralNotFoundError(str(referral_id))
    at = command.now or datetime.now(UTC)
    changed = apply(at_hand.referral, request, at)

    # The agency's note stays in the gateway's own table: events carry codes only.
    data: EventData
    if changed.outcome is not None:
        data = CaseResolved(
            referral_id=changed.id,
            complaint_id=changed.complaint_id,
            agency_code=agency_code,
            outcome=changed.outcome,
            resolved_at=at,
        )
    else:
        data = ReferralUpdated(
            referral_id=changed.id,
            complaint_id=changed.complaint_id,
            agency_code=agency_code,
            # An action never leads back to dispatched, and a resolution is announced above.
            status=cast(ReferralStatus, changed.status),
            reason_code=changed.reason_code,
            at=at,
        )
    event = new_event(data, source=SOURCE, subject=changed.complaint_id, time=at)
    uow.announce(event)
    view = view_for_agency(changed, at_hand.resident, at_hand.pii_level, at_hand.erased)
    copy = copy_event(changed, view, event.type, at)
    uow.announce(copy)
    # The change and its webhook delivery in one statement; the events reach the outbox at commit.
    await uow.save_change(
        changed, delivery_of(copy, changed, event.type) if at_hand.has_webhook else None
    )

    result = ActionResult(
        changed.id, changed.status, changed.outcome, changed.note, at, changed.reason_code
    )
    await uow.remember(key, digest, result.to_json())
    return result
