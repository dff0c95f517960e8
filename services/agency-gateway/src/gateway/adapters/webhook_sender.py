"""Posting a signed delivery to an agency's webhook URL, at the address vetted just before.

What is recorded of a try is the receiver's status code and a short classification
(`http_503`, `timeout`, `connect_error`, `tls_error`, `address_refused`...), never the
receiver's body nor an exception's text: either may echo resident data back into the log.
"""

from __future__ import annotations

import asyncio
import ssl
import time
from dataclasses import dataclass

import httpx

from gateway.adapters import webhook_target
from gateway.adapters.webhook_target import Resolver
from gateway.domain.webhook_urls import Refusal, UrlPolicy
from gateway.domain.webhooks import answered_ok, sign


@dataclass(frozen=True)
class Attempt:
    """What the receiver answered: a status code, or the classification of what prevented it."""

    status_code: int | None
    error: str | None

    @property
    def delivered(self) -> bool:
        """A 2xx answer."""
        return answered_ok(self.status_code)


def refusal_outcome(refusal: Refusal) -> str:
    """The classification recorded for a delivery the URL rule stopped before sending."""
    if refusal.reason == "unresolvable":
        return "dns_error"
    if refusal.reason in ("not_https", "userinfo", "invalid"):
        return "url_refused"
    return "address_refused"


def error_outcome(exc: httpx.HTTPError) -> str:
    """The classification of a transport error (its text may quote the receiver: not kept)."""
    if isinstance(exc, httpx.TimeoutException):
        return "timeout"
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, ssl.SSLError):
            return "tls_error"
        cause = cause.__cause__ or cause.__context__
    if isinstance(exc, httpx.ConnectError):
        return "connect_error"
    if isinstance(exc, httpx.RemoteProtocolError | httpx.LocalProtocolError):
        return "protocol_error"
    return "request_error"


async def post(
    client: httpx.AsyncClient,
    url: str,
    secret: str,
    message_id: str,
    body: str,
    *,
    deadline_seconds: float,
    policy: UrlPolicy,
    resolver: Resolver = webhook_target.resolve,
) -> Attempt:
    """Vet the URL, then send one delivery with the Standard Webhooks headers; one deadline."""
    try:
        # httpx's timeouts bound each read; a receiver trickling bytes must not outlast the
        # lease, so the whole exchange (the name's resolution included) has one deadline.
        async with asyncio.timeout(deadline_seconds):
            pinned = await webhook_target.pin(url, policy, resolver)
            if isinstance(pinned, Refusal):
                return Attempt(None, refusal_outcome(pinned))
            timestamp = int(time.time())
            headers = {
                "host": pinned.host_header,
                "content-type": "application/cloudevents+json",
                "webhook-id": message_id,
                "webhook-timestamp": str(timestamp),
                "webhook-signature": sign(secret, message_id, timestamp, body),
                "user-agent": "slrt-agency-gateway",
            }
            request = client.build_request(
                "POST",
                pinned.url,
                content=body.encode(),
                headers=headers,
                extensions=pinned.extensions,
            )
            # Only the status is kept: the body is never read, and a redirect never followed.
            response = await client.send(request, stream=True, follow_redirects=False)
            await response.aclose()
    except TimeoutError:
        return Attempt(None, "timeout")
    except httpx.HTTPError as exc:
        return Attempt(None, error_outcome(exc))
    status = response.status_code
    return Attempt(status, None if answered_ok(status) else f"http_{status}")
