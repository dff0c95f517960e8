"""An agency's webhook: register, read or remove it, read its delivery log, resend a delivery."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from gateway.domain.webhooks import Requeue, new_secret
from gateway.service_layer.unit_of_work import GatewayUnit


@dataclass(frozen=True)
class RegisterWebhook:
    """Where an agency wants its copies delivered (an already vetted URL)."""

    agency_code: str
    url: str
    rotate_secret: bool = False


@dataclass(frozen=True)
class Registered:
    """The webhook as saved, and its secret when it is new (shown this once)."""

    webhook: dict[str, Any]
    new_secret: str | None


async def register_webhook(command: RegisterWebhook, uow: GatewayUnit) -> Registered:
    """Save an agency's webhook; a first one, or a rotation, gets a new signing secret."""
    current = await uow.webhook(command.agency_code)
    fresh = current is None or command.rotate_secret
    secret = new_secret() if current is None or command.rotate_secret else current["secret"]
    await uow.save_webhook(command.agency_code, command.url, secret)
    saved = await uow.webhook(command.agency_code)
    assert saved is not None
    return Registered(saved, secret if fresh else None)


@dataclass(frozen=True)
class RemoveWebhook:
    """An agency stops its deliveries (the pending ones are parked, not dropped)."""

    agency_code: str


async def remove_webhook(command: RemoveWebhook, uow: GatewayUnit) -> bool:
    """Remove an agency's webhook; False when it had none."""
    return await uow.delete_webhook(command.agency_code)


@dataclass(frozen=True)
class ResendDelivery:
    """An agency asks for a parked delivery to be sent again."""

    agency_code: str
    delivery_id: UUID


async def resend_delivery(command: ResendDelivery, uow: GatewayUnit) -> Requeue:
    """Queue a parked delivery again; what came of it (purged, missing, not parked, queued)."""
    return await uow.requeue(command.agency_code, command.delivery_id)


@dataclass(frozen=True)
class DeliveryLog:
    """An agency reads its delivery log, of one status or all."""

    agency_code: str
    status: str | None = None
    limit: int = 100


@dataclass(frozen=True)
class ReadWebhook:
    """An agency reads its webhook."""

    agency_code: str


async def webhook_of(query: ReadWebhook, uow: GatewayUnit) -> dict[str, Any] | None:
    """An agency's webhook as registered (the caller shows no secret)."""
    return await uow.webhook(query.agency_code)


async def delivery_log(query: DeliveryLog, uow: GatewayUnit) -> list[dict[str, Any]]:
    """An agency's deliveries, newest first, without their payloads."""
    return await uow.deliveries(query.agency_code, query.status, query.limit)
