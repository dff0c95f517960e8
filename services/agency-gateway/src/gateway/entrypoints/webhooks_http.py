"""An agency's webhook: register it, read its delivery log, resend what was parked."""

# No `from __future__ import annotations`: FastAPI reads the routes' annotations, and they name
# a dependency built inside `router`.

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Query

from gateway.adapters import webhook_target
from gateway.adapters.agency_keys import AgencyKeys
from gateway.adapters.repository import UnitOfWorkFactory
from gateway.domain.webhook_urls import Refusal, UrlPolicy, refusal_code, refusal_messages
from gateway.domain.webhooks import Requeue
from gateway.entrypoints.auth import Authorization, agency_dependency
from gateway.entrypoints.errors import api_error
from gateway.entrypoints.schemas import DeliveryOut, WebhookIn, WebhookOut
from gateway.service_layer import webhooks
from slrt_shared.http import ApiError

_URL_REFUSED = {
    "description": "The request is not valid; details per field. A URL that breaks the webhook"
    " URL rule (https only, public addresses only) is answered with its own code.",
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}},
}


async def vet_url(url: str, policy: UrlPolicy) -> None:
    """Refuse a webhook URL, with a coded error, unless it and its addresses are allowed."""
    pinned = await webhook_target.pin(url, policy)
    if isinstance(pinned, Refusal):
        message, message_id = refusal_messages(pinned)
        details = {"field": "url", "reason": pinned.reason}
        if pinned.address is not None:
            details["address"] = pinned.address
        raise ApiError(422, refusal_code(pinned), message, details, message_id=message_id)


# What the webhook receives: the agency's copy of a referral (id.slrt.agency.referral.v1, the
# record put on its topic agency.<code>.referrals), whose `change` names what happened.
_DELIVERIES = (
    "Every change of one of the agency's referrals is POSTed to the URL as a CloudEvent of type"
    " `id.slrt.agency.referral.v1` (the record its topic `agency.<code>.referrals` gets), signed"
    " as Standard Webhooks says. Its `data.change`, also the delivery log's `event_type`, names"
    " what happened: `id.slrt.referral.dispatched.v1` (a new referral),"
    " `id.slrt.referral.updated.v1` and `id.slrt.case.resolved.v1` (the agency's own actions),"
    " `id.slrt.referral.escalated.v1`, `id.slrt.complaint.pii.v1` (the resident's data arrived),"
    " `id.slrt.complaint.pii_erased.v1` (erased), `id.slrt.referral.due_extended.v1` (the SLRT"
    " secretariat moved `due_at` later) and `id.slrt.referral.withdrawn.v1` (the secretariat"
    " took the referral from the agency, to send it elsewhere or work it itself: `status`"
    " `withdrawn`, every action on it is refused with 409 `referral_withdrawn`)."
)


def router(uow: UnitOfWorkFactory, keys: AgencyKeys, policy: UrlPolicy) -> APIRouter:
    """Build the webhook routes; `policy` says what the URL rule relaxes here."""
    api = APIRouter(prefix="/v1/webhook", tags=["webhooks"])
    agency = agency_dependency(keys)

    @api.put(
        "",
        response_model=WebhookOut,
        summary="Register or change the agency's webhook.",
        description=_DELIVERIES,
        responses={422: _URL_REFUSED},
    )
    async def put_webhook(
        body: WebhookIn, code: Annotated[str, Depends(agency)], authorization: Authorization = None
    ) -> WebhookOut:
        # Resolving the name takes a while: outside any transaction.
        await vet_url(str(body.url), policy)
        # The key again: it may have been revoked while the name was being resolved.
        code = await agency(authorization)
        async with uow() as unit:
            registered = await webhooks.register_webhook(
                webhooks.RegisterWebhook(code, str(body.url), body.rotate_secret), unit
            )
            await unit.commit()
        saved = registered.webhook
        return WebhookOut(
            url=saved["url"],
            secret=registered.new_secret,
            created_at=saved["created_at"],
            updated_at=saved["updated_at"],
        )

    @api.get("", response_model=WebhookOut, summary="The agency's webhook (without its secret).")
    async def get_webhook(code: Annotated[str, Depends(agency)]) -> WebhookOut:
        async with uow() as unit:
            saved = await webhooks.webhook_of(webhooks.ReadWebhook(code), unit)
        if saved is None:
            raise api_error("no_webhook")
        return WebhookOut(
            url=saved["url"], created_at=saved["created_at"], updated_at=saved["updated_at"]
        )

    @api.delete("", status_code=204, summary="Stop webhook deliveries (pending ones are parked).")
    async def delete_webhook(code: Annotated[str, Depends(agency)]) -> None:
        async with uow() as unit:
            removed = await webhooks.remove_webhook(webhooks.RemoveWebhook(code), unit)
            await unit.commit()
        if not removed:
            raise api_error("no_webhook")

    @api.get("/deliveries", response_model=list[DeliveryOut], summary="The delivery log.")
    async def deliveries(
        code: Annotated[str, Depends(agency)],
        status: Annotated[str | None, Query(pattern="^(pending|delivered|parked)$")] = None,
        limit: Annotated[int, Query(ge=1, le=500)] = 100,
    ) -> list[DeliveryOut]:
        async with uow() as unit:
            rows = await webhooks.delivery_log(webhooks.DeliveryLog(code, status, limit), unit)
        return [DeliveryOut(**r) for r in rows]

    @api.post(
        "/deliveries/{delivery_id}/retry",
        status_code=202,
        summary="Send a parked delivery again.",
        responses={
            410: {
                "description": "The payload was purged: it cannot be sent again.",
                "content": {
                    "application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}
                },
            }
        },
    )
    async def retry(delivery_id: UUID, code: Annotated[str, Depends(agency)]) -> dict[str, str]:
        async with uow() as unit:
            result = await webhooks.resend_delivery(
                webhooks.ResendDelivery(code, delivery_id), unit
            )
            await unit.commit()
        if result is Requeue.PURGED:
            raise api_error("delivery_purged")
        if result is not Requeue.QUEUED:
            raise api_error("no_parked_delivery")
        return {"status": "pending"}

    return api
