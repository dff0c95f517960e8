import random
import time

import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from gateway.domain.webhooks import backoff, new_secret, sign


def test_our_signature_verifies_with_the_standard_webhooks_library() -> None:
    secret = new_secret()
    body = '{"type": "id.slrt.agency.referral.v1"}'
    now = int(time.time())
    headers = {
        "webhook-id": "msg_1",
        "webhook-timestamp": str(now),
        "webhook-signature": sign(secret, "msg_1", now, body),
    }
    assert Webhook(secret).verify(body, headers) == {"type": "id.slrt.agency.referral.v1"}


def test_a_tampered_body_or_another_secret_fails_verification() -> None:
    secret = new_secret()
    now = int(time.time())
    headers = {
        "webhook-id": "msg_1",
        "webhook-timestamp": str(now),
        "webhook-signature": sign(secret, "msg_1", now, '{"a": 1}'),
    }
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify('{"a": 2}', headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(new_secret()).verify('{"a": 1}', headers)


def test_an_old_timestamp_is_refused_as_a_replay() -> None:
    secret = new_secret()
    old = int(time.time()) - 3600
    headers = {
        "webhook-id": "msg_1",
        "webhook-timestamp": str(old),
        "webhook-signature": sign(secret, "msg_1", old, "{}"),
    }
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify("{}", headers)


def test_backoff_grows_exponentially_with_jitter_and_a_cap() -> None:
    rng = random.Random(7)
    waits = [backoff(n, 30, cap_seconds=3600, rng=rng).total_seconds() for n in range(1, 12)]
    for n, wait in enumerate(waits, start=1):
        ceiling = min(3600, 30 * 2 ** (n - 1))
        assert ceiling / 2 <= wait <= ceiling
    assert max(waits) <= 3600
