"""An agency acknowledges, works on, rejects or resolves one of its referrals."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any, cast
from uuid import UUID

from gateway.domain.referrals import ActionRefusedError, AgencyAction, intend, refusal
from gateway.service_layer.agency_copy import SOURCE, announce_copies
from gateway.service_layer.unit_of_work import GatewayUnit, SavedAnswer
from slrt_shared import clock, idempotency
from slrt_shared.contracts.envelope import new_event
from slrt_shared.contracts.events import (
    CaseResolved,
    EventData,
    ReferralStatus,
    ReferralUpdated,
)
from slrt_shared.contracts.referral_states import Status


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
    """An agency's action on one of its referrals, under the request's idempotency key (None:
    the request is its own key)."""

    agency_code: str
    referral_id: UUID
    request: AgencyAction
    idempotency_key: str | None
    now: datetime | None = None
    account_id: UUID | None = None  # the person acting; None for the agency's system key


def key_of(agency_code: str, given: str | None, digest: str) -> idempotency.IdempotencyKey:
    """The key an action is saved under: the agency's own, or without one the request itself.

    A plain call's key is its fingerprint (referral, action, note, outcome, reason code), in a
    scope of its own that no agency's key can reach: the same transition sent again meets the
    first one's answer, while another action, or the same with another body, is a new request.
    """
    if given:
        return idempotency.IdempotencyKey(agency_code, given)
    return idempotency.IdempotencyKey(f"plain:{agency_code}", digest)


async def act(command: ActOnReferral, uow: GatewayUnit) -> ActionResult:
    """Apply an agency's action once per idempotency key (or, without one, once per request),
    and announce it.

    Raises ReferralNotFoundError, slrt_shared's IdempotencyKeyReusedError or the domain's
    ActionRefusedError. The answer is known before the referral is read (an action's result
    does not depend on the status it leaves), so the key is saved with it as the gate of the
    statement that locks the complaint; a refusal rolls the key back with the transaction.
    """
    agency_code, referral_id = command.agency_code, command.referral_id
    request = command.request
    digest = fingerprint(referral_id, request)
    # An agency's keys are its own: the scope of a key is the agency that sent it.
    key = key_of(agency_code, command.idempotency_key, digest)
    at = command.now or clock.now()
    try:
        change = intend(request)
    except ActionRefusedError:
        # Refused as it stands; but a repeat's answer, a reused key and a missing referral
        # are answered first, as for any request.
        seen = await uow.saved_action(key, referral_id, agency_code)
        if seen.saved is not None:
            return _replayed(key, seen.saved, digest)
        if not seen.found:
            raise ReferralNotFoundError(str(referral_id)) from None
        raise
    result = ActionResult(
        referral_id, change.status, change.outcome, change.note, at, change.reason_code
    )
    while True:
        gate = await uow.gate_action(key, digest, result.to_json(), referral_id, agency_code)
        if gate.gated:
            break
        saved = gate.saved or (await uow.saved_action(key, referral_id, agency_code)).saved
        if saved is not None:
            return _replayed(key, saved, digest)
        # The key was forgotten between the two statements (retention): save it again.
    if not gate.found:
        raise ReferralNotFoundError(str(referral_id))
    made = await uow.change_referral(
        referral_id, agency_code, change, at, action=request.action, account_id=command.account_id
    )
    if made.at_hand is None:
        if made.previous is None:
            raise ReferralNotFoundError(str(referral_id))
        raise refusal(cast(Status, made.previous), change)
    at_hand = made.at_hand
    changed = at_hand.referral

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
    # The copy reaches the outbox at commit; its webhook delivery, if any, in one statement.
    await announce_copies(uow, [(at_hand, event.type, at)])
    return result


def _replayed(key: idempotency.IdempotencyKey, saved: SavedAnswer, digest: str) -> ActionResult:
    """The answer saved under a key, for the request it was saved with (else refused)."""
    idempotency.same_request(key, saved.request_hash, digest)
    return ActionResult.from_json(saved.response)
