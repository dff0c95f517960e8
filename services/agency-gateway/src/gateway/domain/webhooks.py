"""Standard Webhooks signatures and the retry schedule of deliveries."""

from __future__ import annotations

import base64
import hashlib
import hmac
import random
import secrets
from datetime import timedelta

SECRET_PREFIX = "whsec_"


def new_secret() -> str:
    """A signing secret in the Standard Webhooks form: whsec_ + base64 of 24 random bytes."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(24)).decode()


def sign(secret: str, message_id: str, timestamp: int, body: str) -> str:
    """The `webhook-signature` header: v1, + base64 HMAC-SHA256 over 'id.timestamp.body'."""
    key = base64.b64decode(secret.removeprefix(SECRET_PREFIX))
    signed = f"{message_id}.{timestamp}.{body}".encode()
    digest = hmac.new(key, signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def backoff(
    attempt: int, base_seconds: float, cap_seconds: float = 3600.0, rng: random.Random | None = None
) -> timedelta:
    """Wait before the next try: exponential from `base_seconds`, capped, with full jitter."""
    ceiling = min(cap_seconds, base_seconds * (2 ** max(attempt - 1, 0)))
    draw = (rng or random).uniform(ceiling / 2, ceiling)
    return timedelta(seconds=draw)
