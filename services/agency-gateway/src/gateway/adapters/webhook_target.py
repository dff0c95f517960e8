"""Resolving a webhook's host and pinning the delivery to the address that was vetted.

A name is resolved once per check; every address it resolves to must pass the rule, and the
request then goes to that address (the host name travels in the Host header and as the TLS
server name), so a second resolution by the HTTP client cannot swap in another address.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from gateway.domain.webhook_urls import (
    IPAddress,
    Refusal,
    Target,
    UrlPolicy,
    parse,
    vet_resolved,
)

Resolver = Callable[[str, int], Awaitable[list[IPAddress]]]

RESOLVE_TIMEOUT_SECONDS = 5.0


async def resolve(host: str, port: int) -> list[IPAddress]:
    """Every address a host name resolves to (none if it does not resolve)."""
    loop = asyncio.get_running_loop()
    try:
        async with asyncio.timeout(RESOLVE_TIMEOUT_SECONDS):
            infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError, TimeoutError):
        return []
    found: list[IPAddress] = []
    for *_, sockaddr in infos:
        address = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])
        if address not in found:
            found.append(address)
    return found


@dataclass(frozen=True)
class Pinned:
    """A vetted webhook URL rewritten to the address it is to be delivered to."""

    target: Target
    address: IPAddress
    url: httpx.URL
    extensions: dict[str, Any] = field(default_factory=dict)

    @property
    def host_header(self) -> str:
        """The Host header of the original URL."""
        return self.target.host_header


async def pin(url: str, policy: UrlPolicy, resolver: Resolver = resolve) -> Pinned | Refusal:
    """Vet a webhook URL and the addresses its host resolves to now; the address to use."""
    target = parse(url, policy)
    if isinstance(target, Refusal):
        return target
    if target.address is not None:
        address = target.address
    else:
        chosen = vet_resolved(await resolver(target.host, target.port), policy)
        if isinstance(chosen, Refusal):
            return chosen
        address = chosen
    extensions: dict[str, Any] = {}
    if target.scheme == "https" and target.address is None:
        # The certificate is checked against the name, not the address connected to.
        extensions["sni_hostname"] = target.host
    pinned_url = httpx.URL(url).copy_with(host=str(address), port=target.port)
    return Pinned(target, address, pinned_url, extensions)
