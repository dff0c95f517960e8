"""Standard Webhooks signatures, and what becomes of a delivery after each try.

Order: a delivery waits while an earlier delivery of the same referral to the same agency is
still pending (in flight or waiting to be retried), so an agency never gets a later change of a
referral before an earlier one. A parked delivery does not hold back the later ones: each copy
carries the whole referral as it then stood, so the later copy is the current truth, and the
agency may still resend the parked one (its `at` tells it apart).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import random
import secrets
from dataclasses import dataclass
from datetime import timedelta
from enum import Enum
from typing import Literal
from uuid import UUID

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


DeliveryStatus = Literal["pending", "delivered", "parked"]


@dataclass(frozen=True)
class Delivery:
    """A webhook delivery to queue: an agency's copy of a referral, as it was put on its topic."""

    id: UUID
    agency_code: str
    referral_id: UUID
    event_type: str
    payload: str


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how patiently a delivery is tried."""

    max_attempts: int
    base_seconds: float
    cap_seconds: float = 3600.0


@dataclass(frozen=True)
class Verdict:
    """A delivery's status after a try, and when to try again if it stays pending."""

    status: DeliveryStatus
    retry_in: timedelta = timedelta(0)


def after_attempt(
    attempts: int, delivered: bool, policy: RetryPolicy, rng: random.Random | None = None
) -> Verdict:
    """Decide a delivery's fate after its `attempts`-th try (counting this one)."""
    if delivered:
        return Verdict("delivered")
    if attempts >= policy.max_attempts:
        return Verdict("parked")
    return Verdict("pending", backoff(attempts, policy.base_seconds, policy.cap_seconds, rng))


def answered_ok(status_code: int | None) -> bool:
    """Whether a receiver took a delivery: a 2xx answer (None: no answer at all)."""
    return status_code is not None and 200 <= status_code < 300


def verdict_after(
    attempts: int, status_code: int | None, policy: RetryPolicy, rng: random.Random | None = None
) -> Verdict:
    """A delivery's fate after its `attempts`-th try got `status_code` (None: no answer)."""
    return after_attempt(attempts, answered_ok(status_code), policy, rng)


def free_slots(max_in_flight: int, in_flight: int) -> int:
    """How many more deliveries a worker may claim with `in_flight` of its own under way."""
    return max(max_in_flight - in_flight, 0)


def keep_trying_to_record(now: float, lease_ends: float) -> bool:
    """Whether an outcome that could not be recorded is worth trying again.

    Past the lease another replica claims the delivery and tries it again anyway: at least
    once, as promised, so the outcome of this try is given up.
    """
    return now <= lease_ends


def parked_gauges(shown: set[str], counts: dict[str, int]) -> dict[str, int]:
    """What each agency's parked-deliveries gauge should read now.

    `shown` are the agencies whose gauge was ever set: one with nothing parked any more reads 0
    (a gauge left at its last count would keep an alert firing).
    """
    return {**dict.fromkeys(shown - counts.keys(), 0), **counts}


class Requeue(Enum):
    """What a resend came to."""

    QUEUED = "queued"
    NOT_FOUND = "not_found"
    NOT_PARKED = "not_parked"
    PURGED = "purged"
