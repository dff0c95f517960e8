"""Which webhook URLs the gateway may send resident data to (server-side request forgery rules).

A webhook URL is `https` (plain `http` only where a setting allows it, for local development),
carries no user:password, and names a host that is, and resolves only to, a public address: no
loopback, link-local, private, shared (CGNAT), unspecified, multicast, reserved or cloud metadata
address, in any spelling (IPv4-mapped IPv6, decimal or hex IPv4, a trailing dot). Loopback is
allowed only by a second, explicit setting, for receivers run on the same machine in local
development and tests. The rule is checked at registration and again on every delivery, on the
addresses the name resolves to then, and the delivery connects to the address that was checked.

Pure: parsing and classification only; resolving a name is the caller's (see
`gateway.adapters.webhook_target`).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlsplit

from gateway.domain.errors import ADDRESS_KINDS, texts

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

AddressClass = Literal[
    "loopback",
    "private",
    "link_local",
    "shared",
    "unspecified",
    "multicast",
    "reserved",
    "metadata",
]

Reason = Literal[
    "not_https",
    "userinfo",
    "invalid",
    "unresolvable",
    "metadata",
    "loopback",
    "private",
    "link_local",
    "shared",
    "unspecified",
    "multicast",
    "reserved",
]


@dataclass(frozen=True)
class UrlPolicy:
    """What local development may relax; both off in production."""

    allow_http: bool = False
    allow_loopback: bool = False


@dataclass(frozen=True)
class Refusal:
    """Why a webhook URL or one of its addresses is refused."""

    reason: Reason
    address: str | None = None


@dataclass(frozen=True)
class Target:
    """A webhook URL taken apart: where to connect and what to present there."""

    scheme: str
    host: str
    port: int
    address: IPAddress | None
    """The host as an address when the URL spells one; None for a name to resolve."""

    @property
    def host_header(self) -> str:
        """The Host header the receiver expects (the port only when it is not the default)."""
        default = 443 if self.scheme == "https" else 80
        host = self.host if self.address is None else str(self.address)
        host = f"[{host}]" if ":" in host else host
        return host if self.port == default else f"{host}:{self.port}"


# Cloud metadata services by name (lower case, without a trailing dot).
METADATA_NAMES = frozenset(
    {
        "metadata",
        "metadata.google.internal",
        "metadata.goog",
        "metadata.azure.internal",
        "instance-data",
        "instance-data.ec2.internal",
        "metadata.tencentyun.com",
        "metadata.platformequinix.com",
    }
)

# Cloud metadata services by address; checked first so they are named as such. Some lie in
# ranges refused anyway, others (Azure's wire server) are public addresses refused only here.
_METADATA = tuple(
    ipaddress.ip_network(n)
    for n in (
        "169.254.169.254/32",  # AWS, GCP, Azure, OpenStack, DigitalOcean, Oracle
        "169.254.170.2/32",  # AWS ECS task metadata
        "fd00:ec2::254/128",  # AWS over IPv6
        "100.100.100.200/32",  # Alibaba Cloud
        "168.63.129.16/32",  # Azure wire server
        "192.0.0.192/32",  # Oracle Cloud
    )
)

_CLASSES: tuple[tuple[AddressClass, tuple[str, ...]], ...] = (
    ("unspecified", ("0.0.0.0/8", "::/128")),
    ("loopback", ("127.0.0.0/8", "::1/128")),
    ("link_local", ("169.254.0.0/16", "fe80::/10")),
    ("private", ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7")),
    ("shared", ("100.64.0.0/10",)),
    ("multicast", ("224.0.0.0/4", "ff00::/8")),
    (
        "reserved",
        (
            "192.0.0.0/24",  # IETF protocol assignments
            "192.0.2.0/24",  # documentation
            "198.18.0.0/15",  # benchmarking
            "198.51.100.0/24",
            "203.0.113.0/24",
            "240.0.0.0/4",  # future use and broadcast
            "2001:db8::/32",
            "100::/64",  # discard-only
            "fec0::/10",  # deprecated site-local
            "::/96",  # IPv4-compatible (deprecated); the unspecified address is named above
        ),
    ),
)
_NETWORKS = tuple(
    (name, tuple(ipaddress.ip_network(n) for n in networks)) for name, networks in _CLASSES
)
# IPv6 forms that carry an IPv4 address a packet may end up at: vetted as that address.
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_NAT64_LOCAL = ipaddress.ip_network("64:ff9b:1::/48")


def parse(url: str, policy: UrlPolicy) -> Target | Refusal:
    """Take a webhook URL apart, refusing a scheme, userinfo or host that is never allowed."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return Refusal("invalid")
    scheme = parts.scheme.lower()
    if scheme not in ("https", "http"):
        return Refusal("invalid")
    if scheme == "http" and not policy.allow_http:
        return Refusal("not_https")
    if "@" in parts.netloc:
        return Refusal("userinfo")
    host = (parts.hostname or "").rstrip(".")
    if not host:
        return Refusal("invalid")
    address = parse_address(host)
    if address is None and not _is_name(host):
        return Refusal("invalid")
    target = Target(scheme, host, port or (443 if scheme == "https" else 80), address)
    if address is not None:
        refused = vet_address(address, policy)
        return refused or target
    if host in METADATA_NAMES:
        return Refusal("metadata")
    if host == "localhost" or host.endswith(".localhost"):
        # Always resolved on the machine itself, whatever DNS says (RFC 6761).
        return target if policy.allow_loopback else Refusal("loopback")
    return target


def parse_address(host: str) -> IPAddress | None:
    """The host as an IP address in any spelling a resolver accepts, or None for a name.

    Besides dotted decimal and IPv6 this reads what inet_aton reads: 1 to 4 parts, each
    decimal, hex (0x) or octal (leading 0), the last filling the remaining bytes, so
    `2130706433`, `0x7f.1` and `0177.0.0.1` are all 127.0.0.1.
    """
    text = host.strip("[]").rstrip(".")
    try:
        found = ipaddress.ip_address(text.split("%", 1)[0])
    except ValueError:
        return _inet_aton(text)
    return found


def _inet_aton(text: str) -> ipaddress.IPv4Address | None:
    parts = text.split(".")
    if not 1 <= len(parts) <= 4:
        return None
    values = []
    for part in parts:
        value = _number(part)
        if value is None:
            return None
        values.append(value)
    *leading, last = values
    if any(v > 255 for v in leading) or last >= 256 ** (5 - len(values)):
        return None
    number = 0
    for v in leading:
        number = number * 256 + v
    number = number * 256 ** (5 - len(values)) + last
    return ipaddress.IPv4Address(number)


def _number(part: str) -> int | None:
    lowered = part.lower()
    try:
        if lowered.startswith("0x"):
            return int(lowered[2:] or "0", 16)
        if len(lowered) > 1 and lowered.startswith("0"):
            return int(lowered[1:], 8)
        return int(lowered, 10) if lowered.isdigit() else None
    except ValueError:
        return None


def _is_name(host: str) -> bool:
    labels = host.split(".")
    if _number(labels[-1]) is not None:
        # A name ending in a number is an address that did not parse (`256.1.1.1`, `1.2.3.4.5`).
        return False
    return len(host) <= 253 and all(
        0 < len(label) <= 63
        and label[0] != "-"
        and label[-1] != "-"
        and all(c.isascii() and (c.isalnum() or c in "-_") for c in label)
        for label in labels
    )


def classify(address: IPAddress) -> AddressClass | None:
    """The class of an address the gateway must not send to, or None for a public address."""
    inner = embedded_ipv4(address)
    if inner is not None:
        return classify(inner)
    if any(address in network for network in _METADATA):
        return "metadata"
    for name, networks in _NETWORKS:
        if any(address in network for network in networks):
            return name
    # Whatever else the standard library knows is not globally reachable.
    return None if address.is_global else "reserved"


def embedded_ipv4(address: IPAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address stands for (mapped, NAT64, 6to4, Teredo), if any."""
    if not isinstance(address, ipaddress.IPv6Address):
        return None
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address in _NAT64 or address in _NAT64_LOCAL:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]
    return None


def vet_address(address: IPAddress, policy: UrlPolicy) -> Refusal | None:
    """Refuse an address the gateway must not send to; loopback only if the policy allows it."""
    found = classify(address)
    if found is None or (found == "loopback" and policy.allow_loopback and _on_this_host(address)):
        return None
    return Refusal(found, str(address))


def _on_this_host(address: IPAddress) -> bool:
    # A tunnelled form of a loopback address (6to4, NAT64, Teredo) leaves the machine.
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped.is_loopback
    return address.is_loopback


def vet_resolved(addresses: list[IPAddress], policy: UrlPolicy) -> IPAddress | Refusal:
    """The address to connect to, if every address the name resolved to is allowed."""
    if not addresses:
        return Refusal("unresolvable")
    for address in addresses:
        refused = vet_address(address, policy)
        if refused is not None:
            return refused
    return addresses[0]


# The refusals of the URL itself, by the code the API answers them with; any other refusal is
# of an address (`webhook_address_refused`, naming the kind of address).
_URL_REFUSALS: dict[str, str] = {
    "not_https": "webhook_url_not_https",
    "userinfo": "webhook_url_userinfo",
    "invalid": "webhook_url_invalid",
    "unresolvable": "webhook_host_unresolvable",
}


def refusal_code(refusal: Refusal) -> str:
    """The machine-readable error code of a refusal."""
    return _URL_REFUSALS.get(refusal.reason, "webhook_address_refused")


def refusal_messages(refusal: Refusal) -> tuple[str, str]:
    """The refusal in English and in Indonesian."""
    code = refusal_code(refusal)
    if refusal.reason in _URL_REFUSALS:
        text_id, text_en = texts(code)
    else:
        kind_id, kind_en = ADDRESS_KINDS[refusal.reason]
        # Each language names the kind of address in its own words.
        text_id, text_en = texts(code, kind=kind_id)[0], texts(code, kind=kind_en)[1]
    return text_en, text_id
