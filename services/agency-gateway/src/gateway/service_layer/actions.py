"""An agency acknowledges, works on, rejects or resolves one of its referrals."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from gateway.adapters.repository import GatewayUnitOfWork
from gateway.domain.referrals import ACTIONS, OUTCOMES, check_action
from gateway.service_layer.views import SOURCE, publish_copy
from slrt_shared.contracts import topics
from slrt_shared.contracts.envelope import new_event
from slrt_shared.contracts.events import CaseResolved, ReferralUpdated


class ActionError(Exception):
    """An action refused, with the HTTP status and code to answer."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


@dataclass(frozen=True)
class Action:
    """What an agency asks to do."""

    agency_code: str
    referral_id: UUID
    action: str
    note: str | None = None
    outcome: str | None = None

    def fingerprint(self) -> str:
        """Hash of the request, to tell a repeat from a different request under one key."""
        body = json.dumps([str(self.referral_id), self.action, self.note, self.outcome])
        return hashlib.sha256(body.encode()).hexdigest()


async def act(uow: GatewayUnitOfWork, request: Action, idempotency_key: str) -> dict[str, Any]:
    """Apply an action once per idempotency key; announce it on the platform's topics."""
    earlier = await uow.stored_response(request.agency_code, idempotency_key)
    if earlier is not None:
        if earlier[0] != request.fingerprint():
            raise ActionError(
                409,
                "idempotency_key_reused",
                "This Idempotency-Key was used for a different request.",
            )
        return dict(earlier[1])
    referral = await uow.referral(request.referral_id, request.agency_code, for_update=True)
    if referral is None:
        raise ActionError(404, "not_found", "No such referral.")
    if request.action == "reject" and not (request.note or "").strip():
        raise ActionError(422, "reason_required", "Say why the referral is rejected.")
    if request.action == "resolve" and request.outcome not in OUTCOMES:
        raise ActionError(
            422, "invalid_outcome", f"outcome must be one of {', '.join(sorted(OUTCOMES))}."
        )
    refusal = check_action(referral["status"], request.action)
    if refusal is not None:
        raise ActionError(409, refusal.code, refusal.message)

    now = datetime.now(UTC)
    status = ACTIONS[request.action]
    complaint_id = referral["complaint_id"]
    if request.action == "resolve":
        await uow.update(
            request.referral_id, status=status, outcome=request.outcome, note=request.note
        )
        assert request.outcome is not None
        data: CaseResolved | ReferralUpdated = CaseResolved(
            referral_id=request.referral_id,
            complaint_id=complaint_id,
            agency_code=request.agency_code,
            outcome=request.outcome,  # type: ignore[arg-type]
            note=request.note,
            resolved_at=now,
        )
        topic = topics.CASE_RESOLVED
    else:
        await uow.update(request.referral_id, status=status, note=request.note)
        data = ReferralUpdated(
            referral_id=request.referral_id,
            complaint_id=complaint_id,
            agency_code=request.agency_code,
            status=status,  # type: ignore[arg-type]
            note=request.note,
            at=now,
        )
        topic = topics.REFERRAL_UPDATED
    event = new_event(data, source=SOURCE, subject=complaint_id, time=now)
    uow.emit(topic, event)
    await publish_copy(uow, request.referral_id, event.type)
    response = {
        "referral_id": str(request.referral_id),
        "status": status,
        "outcome": request.outcome,
        "at": now.isoformat(),
    }
    await uow.store_response(request.agency_code, idempotency_key, request.fingerprint(), response)
    return response
