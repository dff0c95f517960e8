"""An agency's webhook: register or change it (a secret is issued when it is new)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from gateway.domain.webhooks import new_secret
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
