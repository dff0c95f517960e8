"""The webhook URL rule: https only, public addresses only, in every spelling of an address."""

from __future__ import annotations

import ipaddress

import pytest

from gateway.adapters.webhook_target import Pinned, pin
from gateway.domain.webhook_urls import (
    IPAddress,
    Refusal,
    Target,
    UrlPolicy,
    classify,
    parse,
    refusal_code,
    refusal_messages,
    vet_resolved,
)

STRICT = UrlPolicy()
LOCAL = UrlPolicy(allow_http=True, allow_loopback=True)


def reason(url: str, policy: UrlPolicy = STRICT) -> str | None:
    found = parse(url, policy)
    return found.reason if isinstance(found, Refusal) else None


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://127.0.0.1/hook", "loopback"),
        ("https://127.8.9.10/hook", "loopback"),
        ("https://[::1]:8443/hook", "loopback"),
        ("https://localhost/hook", "loopback"),
        ("https://LocalHost./hook", "loopback"),
        ("https://api.localhost/hook", "loopback"),
        ("https://10.0.0.1/", "private"),
        ("https://172.16.0.1/", "private"),
        ("https://172.31.255.255/", "private"),
        ("https://192.168.1.1/", "private"),
        ("https://[fc00::1]/", "private"),
        ("https://[fd12:3456::1]/", "private"),
        ("https://169.254.1.1/", "link_local"),
        ("https://[fe80::1]/", "link_local"),
        ("https://[fe80::1%25eth0]/", "link_local"),
        ("https://100.64.0.1/", "shared"),
        ("https://100.127.255.254/", "shared"),
        ("https://0.0.0.0/", "unspecified"),
        ("https://0/", "unspecified"),
        ("https://[::]/", "unspecified"),
        ("https://224.0.0.1/", "multicast"),
        ("https://239.255.255.250/", "multicast"),
        ("https://[ff02::1]/", "multicast"),
        ("https://240.0.0.1/", "reserved"),
        ("https://255.255.255.255/", "reserved"),
        ("https://192.0.2.10/", "reserved"),
        ("https://198.18.0.1/", "reserved"),
        ("https://[2001:db8::1]/", "reserved"),
        ("https://[::127.0.0.1]/", "reserved"),
        ("https://169.254.169.254/latest/meta-data/", "metadata"),
        ("https://[fd00:ec2::254]/", "metadata"),
        ("https://100.100.100.200/", "metadata"),
        ("https://168.63.129.16/", "metadata"),
        ("https://metadata.google.internal/computeMetadata/v1/", "metadata"),
        ("https://metadata.google.internal./computeMetadata/v1/", "metadata"),
        ("https://METADATA.GOOGLE.INTERNAL/", "metadata"),
        ("https://instance-data.ec2.internal/", "metadata"),
    ],
)
def test_every_non_public_address_class_is_refused(url: str, expected: str) -> None:
    assert reason(url) == expected


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        # IPv4-mapped IPv6, dotted and hex
        ("https://[::ffff:127.0.0.1]/", "loopback"),
        ("https://[::ffff:7f00:1]/", "loopback"),
        ("https://[::ffff:10.0.0.1]/", "private"),
        ("https://[::ffff:169.254.169.254]/", "metadata"),
        ("https://[::ffff:a9fe:a9fe]/", "metadata"),
        ("https://[0:0:0:0:0:ffff:192.168.0.1]/", "private"),
        # NAT64, 6to4 and Teredo forms reach the IPv4 address they carry
        ("https://[64:ff9b::a00:1]/", "private"),
        ("https://[64:ff9b::7f00:1]/", "loopback"),
        ("https://[2002:a9fe:a9fe::]/", "metadata"),
        ("https://[2001:0:4136:e378:8000:63bf:f5ff:fffe]/", "private"),
        # what inet_aton reads: decimal, hex, octal, short forms
        ("https://2130706433/", "loopback"),
        ("https://0x7f000001/", "loopback"),
        ("https://0x7f.1/", "loopback"),
        ("https://0x7F.0.0.1/", "loopback"),
        ("https://0177.0.0.1/", "loopback"),
        ("https://017700000001/", "loopback"),
        ("https://127.1/", "loopback"),
        ("https://127.0.1/", "loopback"),
        ("https://167772161/", "private"),
        ("https://2852039166/", "metadata"),
        ("https://0xa9.0xfe.0xa9.0xfe/", "metadata"),
        ("https://127.0.0.1./", "loopback"),
    ],
)
def test_other_spellings_of_a_refused_address_are_refused_too(url: str, expected: str) -> None:
    assert reason(url) == expected


@pytest.mark.parametrize(
    "url",
    [
        "https://sistem.dinsos.example.go.id/slrt/webhook",
        "https://hooks.example.com:8443/a?b=c",
        "https://8.8.8.8/hook",
        "https://172.32.0.1/",
        "https://100.128.0.1/",
        "https://[2001:4860:4860::8888]/hook",
        "https://[::ffff:8.8.8.8]/",
        "https://sistem.dinsos.example.go.id./slrt/webhook",
    ],
)
def test_a_public_https_url_is_allowed(url: str) -> None:
    assert isinstance(parse(url, STRICT), Target)


def test_http_needs_its_setting_and_loopback_its_own() -> None:
    assert reason("http://sistem.dinsos.example.go.id/") == "not_https"
    assert reason("HTTP://8.8.8.8/") == "not_https"
    assert reason("http://sistem.dinsos.example.go.id/", UrlPolicy(allow_http=True)) is None
    # http allowed does not allow loopback, nor the reverse
    assert reason("http://127.0.0.1:8080/", UrlPolicy(allow_http=True)) == "loopback"
    assert reason("http://127.0.0.1:8080/", UrlPolicy(allow_loopback=True)) == "not_https"
    assert reason("http://127.0.0.1:8080/", LOCAL) is None
    assert reason("http://localhost:8080/", LOCAL) is None
    assert reason("http://[::1]:8080/", LOCAL) is None
    assert reason("http://[::ffff:127.0.0.1]:8080/", LOCAL) is None
    assert reason("http://2130706433:8080/", LOCAL) is None


def test_the_loopback_setting_allows_nothing_but_loopback() -> None:
    for url in (
        "http://10.0.0.1/",
        "http://169.254.169.254/",
        "http://metadata.google.internal/",
        "http://0.0.0.0/",
        "http://100.64.0.1/",
        "http://[fe80::1]/",
        # tunnelled forms of a loopback address leave the machine
        "http://[64:ff9b::7f00:1]/",
        "http://[2002:7f00:1::]/",
    ):
        assert reason(url, LOCAL) is not None, url


@pytest.mark.parametrize(
    "url",
    [
        "https://user:secret@sistem.dinsos.example.go.id/hook",
        "https://user@sistem.dinsos.example.go.id/hook",
        "https://:secret@8.8.8.8/",
        "https://sistem.dinsos.example.go.id@127.0.0.1/",
    ],
)
def test_userinfo_is_refused(url: str) -> None:
    assert reason(url, LOCAL) == "userinfo"


@pytest.mark.parametrize(
    "url",
    [
        "ftp://sistem.dinsos.example.go.id/",
        "file:///etc/passwd",
        "gopher://127.0.0.1:25/",
        "https://",
        "https:///path",
        "https://host:99999/",
        "https://256.1.1.1/",
        "https://1.2.3.4.5/",
        "https://a.0x1/",
        "https://ex ample.com/",
        "https://-bad.example.com/",
        "https://[::1/",
        "not a url",
    ],
)
def test_what_is_not_an_http_url_with_a_host_is_invalid(url: str) -> None:
    assert reason(url, LOCAL) == "invalid"


def test_the_port_and_host_header_come_from_the_url() -> None:
    target = parse("https://Hooks.Example.com./a", STRICT)
    assert isinstance(target, Target)
    assert (target.host, target.port, target.host_header) == (
        "hooks.example.com",
        443,
        "hooks.example.com",
    )
    target = parse("http://[::1]:8080/a", LOCAL)
    assert isinstance(target, Target) and target.host_header == "[::1]:8080"
    target = parse("http://0x7f.1:8080/a", LOCAL)
    assert isinstance(target, Target) and target.host_header == "127.0.0.1:8080"


def addresses(*texts: str) -> list[IPAddress]:
    return [ipaddress.ip_address(t) for t in texts]


def test_every_resolved_address_must_pass_and_the_first_is_used() -> None:
    assert (
        vet_resolved(addresses("8.8.8.8", "2001:4860:4860::8888"), STRICT)
        == addresses("8.8.8.8")[0]
    )
    refused = vet_resolved(addresses("8.8.8.8", "10.1.2.3"), STRICT)
    assert refused == Refusal("private", "10.1.2.3")
    assert vet_resolved(addresses("::ffff:169.254.169.254"), STRICT) == Refusal(
        "metadata", "::ffff:a9fe:a9fe"
    )
    assert vet_resolved([], STRICT) == Refusal("unresolvable")
    assert vet_resolved(addresses("127.0.0.1", "::1"), LOCAL) == addresses("127.0.0.1")[0]


def test_public_addresses_have_no_class() -> None:
    for text in ("8.8.8.8", "1.1.1.1", "103.10.20.30", "2001:4860:4860::8888"):
        assert classify(ipaddress.ip_address(text)) is None


def test_each_refusal_has_a_code_and_a_message_in_both_languages() -> None:
    reasons = [
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
    for name in reasons:
        refusal = Refusal(name)  # type: ignore[arg-type]
        en, id_ = refusal_messages(refusal)
        assert refusal_code(refusal).startswith("webhook_") and en and id_ and en != id_
    assert refusal_code(Refusal("private", "10.0.0.1")) == "webhook_address_refused"


async def test_a_name_is_resolved_once_and_the_request_pinned_to_the_vetted_address() -> None:
    asked: list[tuple[str, int]] = []

    async def resolver(host: str, port: int) -> list[IPAddress]:
        asked.append((host, port))
        return addresses("8.8.8.8")

    pinned = await pin("https://Hooks.Example.com.:8443/slrt?x=1", STRICT, resolver)
    assert isinstance(pinned, Pinned)
    assert asked == [("hooks.example.com", 8443)]
    assert str(pinned.url) == "https://8.8.8.8:8443/slrt?x=1"
    assert pinned.host_header == "hooks.example.com:8443"
    assert pinned.extensions == {"sni_hostname": "hooks.example.com"}


async def test_a_name_resolving_to_any_refused_address_is_refused() -> None:
    async def rebinding(host: str, port: int) -> list[IPAddress]:
        return addresses("8.8.8.8", "127.0.0.1")

    assert await pin("https://hooks.example.com/", STRICT, rebinding) == Refusal(
        "loopback", "127.0.0.1"
    )

    async def nothing(host: str, port: int) -> list[IPAddress]:
        return []

    assert await pin("https://hooks.example.com/", STRICT, nothing) == Refusal("unresolvable")


async def test_an_address_literal_is_not_resolved() -> None:
    async def resolver(host: str, port: int) -> list[IPAddress]:
        raise AssertionError("an address needs no resolving")

    pinned = await pin("https://[2001:4860:4860::8888]/hook", STRICT, resolver)
    assert isinstance(pinned, Pinned) and pinned.extensions == {}
    assert str(pinned.url) == "https://[2001:4860:4860::8888]/hook"
