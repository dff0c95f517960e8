"""An agency's webhook: register it, read its delivery log, resend what was parked."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Header, Query
from pydantic import BaseModel, ConfigDict, Field, HttpUrl

from gateway.adapters import webhook_target
from gateway.adapters.repository import GatewayUnitOfWork
from gateway.adapters.webhook_store import Requeue
from gateway.domain.webhook_urls import Refusal, UrlPolicy, refusal_code, refusal_messages
from gateway.domain.webhooks import new_secret
from gateway.entrypoints.http import Auth, authenticate_agency
from slrt_shared.http import ApiError
from slrt_shared.runtime import ServiceRuntime


class WebhookIn(BaseModel):
    """Where to deliver (https, a public address); `rotate_secret` issues a new signing secret."""

    model_config = ConfigDict(extra="forbid")
    url: HttpUrl = Field(
        description="https, no user:password, a host that is and resolves to public addresses"
        " only (no loopback, private, link-local, CGNAT or cloud metadata address).",
        examples=["https://sistem.dinsos.example.go.id/slrt/webhook"],
    )
    rotate_secret: bool = False


class WebhookOut(BaseModel):
    """The registered webhook; `secret` is shown only when it is new."""

    url: str
    secret: str | None = Field(default=None, description="whsec_...: keep it; shown once.")
    created_at: datetime
    updated_at: datetime


class DeliveryOut(BaseModel):
    """One delivery: its `id` is the webhook-id header the agency received."""

    id: UUID
    referral_id: UUID
    event_type: str
    status: str
    attempts: int
    next_attempt_at: datetime
    last_status_code: int | None
    last_error: str | None
    created_at: datetime
    delivered_at: datetime | None
    parked_at: datetime | None = None
    purged_at: datetime | None = Field(
        default=None, description="When the payload was purged; the log row is kept."
    )


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


def router(runtime: ServiceRuntime, policy: UrlPolicy) -> APIRouter:
    """Build the webhook routes; `policy` says what the URL rule relaxes here."""
    api = APIRouter(prefix="/v1/webhook", tags=["webhooks"])

    def uow() -> GatewayUnitOfWork:
        return GatewayUnitOfWork(runtime.pool, runtime.layout)

    @api.put(
        "",
        response_model=WebhookOut,
        summary="Register or change the agency's webhook.",
        responses={422: _URL_REFUSED},
    )
    async def put_webhook(body: WebhookIn, authorization: Auth = None) -> WebhookOut:
        async with uow() as unit:
            await authenticate_agency(unit, authorization)
        # Resolving the name takes a while: outside any transaction.
        await vet_url(str(body.url), policy)
        async with uow() as unit:
            code = await authenticate_agency(unit, authorization)
            current = await unit.webhook(code)
            fresh = current is None or body.rotate_secret
            secret = new_secret() if fresh else current["secret"]  # type: ignore[index]
            await unit.save_webhook(code, str(body.url), secret)
            saved = await unit.webhook(code)
            await unit.commit()
        assert saved is not None
        return WebhookOut(
            url=saved["url"],
            secret=secret if fresh else None,
            created_at=saved["created_at"],
            updated_at=saved["updated_at"],
        )

    @api.get("", response_model=WebhookOut, summary="The agency's webhook (without its secret).")
    async def get_webhook(authorization: Auth = None) -> WebhookOut:
        async with uow() as unit:
            code = await authenticate_agency(unit, authorization)
            saved = await unit.webhook(code)
        if saved is None:
            raise ApiError(404, "not_found", "No webhook is registered.")
        return WebhookOut(
            url=saved["url"], created_at=saved["created_at"], updated_at=saved["updated_at"]
        )

    @api.delete("", status_code=204, summary="Stop webhook deliveries (pending ones are parked).")
    async def delete_webhook(authorization: Auth = None) -> None:
        async with uow() as unit:
            code = await authenticate_agency(unit, authorization)
            removed = await unit.delete_webhook(code)
            await unit.commit()
        if not removed:
            raise ApiError(404, "not_found", "No webhook is registered.")

    @api.get("/deliveries", response_model=list[DeliveryOut], summary="The delivery log.")
    async def deliveries(
        authorization: Auth = None,
        status: Annotated[str | None, Query(pattern="^(pending|delivered|parked)$")] = None,
        limit: Annotated[int, Query(ge=1, le=500)] = 100,
    ) -> list[DeliveryOut]:
        async with uow() as unit:
            code = await authenticate_agency(unit, authorization)
            rows = await unit.deliveries(code, status, limit)
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
    async def retry(
        delivery_id: UUID, authorization: Annotated[str | None, Header()] = None
    ) -> dict[str, str]:
        async with uow() as unit:
            code = await authenticate_agency(unit, authorization)
            result = await unit.requeue(code, delivery_id)
            await unit.commit()
        if result is Requeue.PURGED:
            raise ApiError(
                410,
                "delivery_purged",
                "This delivery's payload was purged after the retention period;"
                " read the referral from the API instead.",
                message_id="Isi pengiriman ini sudah dihapus setelah masa simpannya;"
                " baca rujukannya melalui API.",
            )
        if result is not Requeue.QUEUED:
            raise ApiError(
                404,
                "not_found",
                "No parked delivery with this id.",
                message_id="Tidak ada pengiriman tertahan dengan id ini.",
            )
        return {"status": "pending"}

    return api
