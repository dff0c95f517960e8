"""The webhook URL rule on a real Postgres, with real receivers on 127.0.0.1.

Registration refuses a URL that is not https or whose host is not a public address (unless the
local-development settings say otherwise); delivery checks the stored URL again, so an address
that changed since registration (DNS rebinding: here a row written straight into the table) is
refused there and nothing is sent. What is recorded of a try is a status code and a short
classification, never what the receiver answered.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import json
import shutil
import socket
import ssl
import subprocess
import threading
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest

from gateway.adapters import webhook_sender
from gateway.adapters.repository import GatewayUnitOfWork
from gateway.app import build
from gateway.domain.webhook_urls import IPAddress, UrlPolicy
from gateway.domain.webhooks import new_secret
from gateway.entrypoints.webhook_worker import webhook_job
from slrt_shared.contracts.topics import TopicLayout

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]

AGENCY = "DINSOS"
NIK = "3215012507850001"
MIGRATION = (
    Path(__file__).resolve().parents[2] / "migrations" / "006_webhook_outcomes_classified.sql"
)


class Receiver:
    """A webhook endpoint on 127.0.0.1 answering a fixed status and body; counts every call."""

    def __init__(self, status: int = 204, body: bytes = b"") -> None:
        self.status = status
        self.body = body
        self.calls: list[dict[str, str]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers["content-length"]))
                receiver.calls.append(dict(self.headers))
                self.send_response(receiver.status)
                self.send_header("content-type", "text/plain")
                self.send_header("content-length", str(len(receiver.body)))
                self.end_headers()
                self.wfile.write(receiver.body)

            def log_message(self, *args: object) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/hooks/slrt"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Callable[..., Receiver]]:
    made: list[Receiver] = []

    def make(status: int = 204, body: bytes = b"") -> Receiver:
        made.append(Receiver(status, body))
        return made[-1]

    yield make
    for r in made:
        r.close()


@contextlib.asynccontextmanager
async def gateway_api(gateway_db, **settings: Any) -> AsyncIterator[httpx.AsyncClient]:  # type: ignore[no-untyped-def]
    """The gateway's HTTP API on the test's database, with the given settings."""
    runtime, app = build(gateway_db.settings(**settings))
    async with runtime.database():
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as http:
            yield http


@contextlib.asynccontextmanager
async def worker(gateway_db, **settings: Any) -> AsyncIterator[None]:  # type: ignore[no-untyped-def]
    """One webhook worker, as a gateway replica runs it."""
    config = gateway_db.settings(webhook_poll_seconds=0.1, webhook_backoff_seconds=0.2, **settings)
    runtime, _ = build(config)
    async with runtime.database():
        task = asyncio.create_task(webhook_job(runtime, config)())
        try:
            yield
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)


def agency(gateway_db) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {"Authorization": f"Bearer {gateway_db.keys[AGENCY]}"}


async def enqueue(gateway_db) -> str:  # type: ignore[no-untyped-def]
    delivery_id = uuid.uuid4()
    body = json.dumps({"id": str(delivery_id), "data": {"resident": {"nik": NIK}}})
    async with GatewayUnitOfWork(gateway_db.pool, TopicLayout("")) as uow:
        await uow.enqueue_delivery(
            delivery_id, AGENCY, uuid.uuid4(), "id.slrt.agency.referral.v1", body
        )
        await uow.commit()
    return str(delivery_id)


async def settled(gateway_db, delivery_id: str, within: float = 30) -> asyncpg.Record:  # type: ignore[no-untyped-def]
    """The delivery once it is no longer pending."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        row = await gateway_db.pool.fetchrow(
            "SELECT status, attempts, last_status_code, last_error FROM webhook_deliveries"
            " WHERE id = $1",
            uuid.UUID(delivery_id),
        )
        if row is not None and row["status"] != "pending":
            return row
        await asyncio.sleep(0.05)
    raise AssertionError(f"within {within:g} s: delivery {delivery_id} was not settled")


async def test_http_is_refused_at_registration_unless_the_setting_allows_it(
    gateway_db, receiver
) -> None:  # type: ignore[no-untyped-def]
    hook = receiver()
    async with gateway_api(
        gateway_db, webhook_allow_http=False, webhook_allow_loopback=False
    ) as http:
        answer = await http.put("/v1/webhook", json={"url": hook.url}, headers=agency(gateway_db))
        assert answer.status_code == 422, answer.text
        error = answer.json()["error"]
        assert error["code"] == "webhook_url_not_https"
        assert error["details"] == {"field": "url", "reason": "not_https"}
        in_id = await http.put(
            "/v1/webhook",
            json={"url": "http://sistem.dinsos.example.go.id/slrt"},
            headers={**agency(gateway_db), "Accept-Language": "id"},
        )
        assert in_id.json()["error"]["message"] == "URL webhook harus memakai https."
        in_en = await http.put(
            "/v1/webhook",
            json={"url": "http://sistem.dinsos.example.go.id/slrt"},
            headers={**agency(gateway_db), "Accept-Language": "en"},
        )
        assert in_en.json()["error"]["message"] == "The webhook URL must use https."
        userinfo = await http.put(
            "/v1/webhook",
            json={"url": "https://user:rahasia@8.8.8.8/slrt"},
            headers=agency(gateway_db),
        )
        assert userinfo.json()["error"]["code"] == "webhook_url_userinfo"
        assert (await http.get("/v1/webhook", headers=agency(gateway_db))).status_code == 404
    assert hook.calls == []

    async with gateway_api(gateway_db) as http:  # the local-development settings
        allowed = await http.put("/v1/webhook", json={"url": hook.url}, headers=agency(gateway_db))
        assert allowed.status_code == 200, allowed.text


@pytest.mark.parametrize(
    ("host", "reason"),
    [
        ("127.0.0.1:{port}", "loopback"),
        ("localhost:{port}", "loopback"),
        ("[::1]:{port}", "loopback"),
        ("2130706433:{port}", "loopback"),
        ("10.0.0.1", "private"),
        ("169.254.169.254", "metadata"),
        ("[::ffff:169.254.169.254]", "metadata"),
        ("metadata.google.internal", "metadata"),
    ],
)
async def test_loopback_private_and_metadata_hosts_are_refused_at_registration(
    gateway_db, receiver, host: str, reason: str
) -> None:  # type: ignore[no-untyped-def]
    hook = receiver()
    url = f"http://{host.format(port=hook.port)}/latest/meta-data"
    async with gateway_api(gateway_db, webhook_allow_loopback=False) as http:
        answer = await http.put("/v1/webhook", json={"url": url}, headers=agency(gateway_db))
        assert answer.status_code == 422, answer.text
        error = answer.json()["error"]
        assert error["code"] == "webhook_address_refused"
        assert error["details"]["reason"] == reason
        assert "hanya alamat publik" in error["message"] or "only public" in error["message"]
        english = await http.put(
            "/v1/webhook",
            json={"url": url},
            headers={**agency(gateway_db), "Accept-Language": "en"},
        )
        assert "only public addresses are allowed" in english.json()["error"]["message"]
        assert (await http.get("/v1/webhook", headers=agency(gateway_db))).status_code == 404
    assert hook.calls == []


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "0x7f.1"])
async def test_a_stored_url_pointing_at_loopback_is_refused_at_delivery_and_nothing_is_sent(
    gateway_db, receiver, host: str
) -> None:  # type: ignore[no-untyped-def]
    hook = receiver()
    # A name that resolved to a public address at registration and to loopback now.
    await gateway_db.pool.execute(
        "INSERT INTO webhooks (agency_code, url, secret) VALUES ($1, $2, $3)",
        AGENCY,
        f"http://{host}:{hook.port}/hooks/slrt",
        new_secret(),
    )
    delivery = await enqueue(gateway_db)
    async with worker(
        gateway_db, webhook_allow_http=True, webhook_allow_loopback=False, webhook_max_attempts=2
    ):
        row = await settled(gateway_db, delivery)
    assert row["status"] == "parked" and row["attempts"] == 2, "the normal retry and park rules"
    assert row["last_status_code"] is None and row["last_error"] == "address_refused"
    assert hook.calls == [], "the receiver saw nothing"


async def test_a_receivers_answer_never_reaches_last_error_or_the_api(gateway_db, receiver) -> None:  # type: ignore[no-untyped-def]
    hook = receiver(500, f"Internal error: resident NIK {NIK} not in our registry".encode())
    async with gateway_api(gateway_db) as http:
        put = await http.put("/v1/webhook", json={"url": hook.url}, headers=agency(gateway_db))
        assert put.status_code == 200, put.text
        delivery = await enqueue(gateway_db)
        async with worker(gateway_db, webhook_max_attempts=1):
            row = await settled(gateway_db, delivery)
        log = await http.get("/v1/webhook/deliveries", headers=agency(gateway_db))
    assert len(hook.calls) == 1, "the receiver was called"
    assert row["status"] == "parked"
    assert row["last_status_code"] == 500 and row["last_error"] == "http_500"
    (entry,) = [d for d in log.json() if d["id"] == delivery]
    assert entry["last_status_code"] == 500 and entry["last_error"] == "http_500"
    assert NIK not in log.text and "registry" not in log.text


async def test_a_receiver_that_cannot_be_reached_is_recorded_as_a_classification(
    gateway_db,
) -> None:  # type: ignore[no-untyped-def]
    with socket.socket() as probe:  # a port on 127.0.0.1 with nobody listening
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    async with GatewayUnitOfWork(gateway_db.pool, TopicLayout("")) as uow:
        await uow.save_webhook(AGENCY, f"http://127.0.0.1:{port}/hooks/slrt", new_secret())
        await uow.commit()
    delivery = await enqueue(gateway_db)
    async with worker(gateway_db, webhook_max_attempts=1):
        row = await settled(gateway_db, delivery)
    assert row["last_status_code"] is None and row["last_error"] == "connect_error"


async def test_old_delivery_records_are_reduced_to_their_classification(gateway_db) -> None:  # type: ignore[no-untyped-def]
    rows = {
        "http_body": (502, f"<html>Bad gateway for NIK {NIK}</html>", "http_502"),
        "timeout": (None, "Timeout: no answer within 10 s", "timeout"),
        "read_timeout": (None, "ReadTimeout: timed out", "timeout"),
        "connect": (None, f"ConnectError: [Errno 111] refused {NIK}", "connect_error"),
        "other": (None, f"RemoteProtocolError: Server disconnected {NIK}", "protocol_error"),
        "removed": (None, "webhook removed", "webhook_removed"),
        "kept": (503, "http_503", "http_503"),
        "delivered": (204, None, None),
    }
    ids = {}
    for name, (code, error, _) in rows.items():
        delivery = await enqueue(gateway_db)
        ids[name] = delivery
        await gateway_db.pool.execute(
            "UPDATE webhook_deliveries SET last_status_code = $2, last_error = $3 WHERE id = $1",
            uuid.UUID(delivery),
            code,
            error,
        )
    await gateway_db.pool.execute(MIGRATION.read_text())
    found = {
        r["id"]: r["last_error"]
        for r in await gateway_db.pool.fetch(
            "SELECT id::text AS id, last_error FROM webhook_deliveries"
        )
    }
    assert {name: found[ids[name]] for name in rows} == {
        name: expected for name, (_, _, expected) in rows.items()
    }


class TlsReceiver:
    """An https receiver on 127.0.0.1 whose certificate names `hooks.dinsos.test` only."""

    def __init__(self, directory: Path) -> None:
        self.cert, key = directory / "cert.pem", directory / "key.pem"
        subprocess.run(
            [
                "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                "-subj", "/CN=hooks.dinsos.test", "-addext", "subjectAltName=DNS:hooks.dinsos.test",
                "-keyout", str(key), "-out", str(self.cert),
            ],
            check=True,
            capture_output=True,
        )  # fmt: skip
        self.server_names: list[str | None] = []
        self.hosts: list[str] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers["content-length"]))
                receiver.hosts.append(self.headers["host"])
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                return

        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.cert, key)
        context.sni_callback = lambda _sock, name, _ctx: receiver.server_names.append(name)  # type: ignore[assignment,func-returns-value]
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


async def test_delivery_goes_to_the_vetted_address_with_the_name_as_host_and_tls_server_name(
    tmp_path: Path,
) -> None:
    if shutil.which("openssl") is None:
        pytest.skip("needs openssl to make the receiver's certificate")
    receiver = TlsReceiver(tmp_path)
    resolved: list[str] = []

    async def resolver(host: str, port: int) -> list[IPAddress]:
        # The only resolution: the client must not look the name up again.
        resolved.append(host)
        return [ipaddress.ip_address("127.0.0.1")]

    local = UrlPolicy(allow_loopback=True)
    verify = ssl.create_default_context(cafile=str(receiver.cert))
    try:
        async with httpx.AsyncClient(verify=verify, trust_env=False) as client:
            sent = await webhook_sender.post(
                client,
                f"https://hooks.dinsos.test:{receiver.port}/slrt",
                new_secret(),
                "msg_1",
                "{}",
                deadline_seconds=10,
                policy=local,
                resolver=resolver,
            )
            # Another name on the same address: the certificate does not name it.
            wrong = await webhook_sender.post(
                client,
                f"https://other.dinsos.test:{receiver.port}/slrt",
                new_secret(),
                "msg_2",
                "{}",
                deadline_seconds=10,
                policy=local,
                resolver=resolver,
            )
            refused = await webhook_sender.post(
                client,
                f"https://hooks.dinsos.test:{receiver.port}/slrt",
                new_secret(),
                "msg_3",
                "{}",
                deadline_seconds=10,
                policy=UrlPolicy(),
                resolver=resolver,
            )
    finally:
        receiver.close()
    assert (sent.status_code, sent.error) == (204, None)
    assert receiver.hosts == [f"hooks.dinsos.test:{receiver.port}"]
    assert receiver.server_names[0] == "hooks.dinsos.test"
    assert (wrong.status_code, wrong.error) == (None, "tls_error")
    assert (refused.status_code, refused.error) == (None, "address_refused")
    assert resolved == ["hooks.dinsos.test", "other.dinsos.test", "hooks.dinsos.test"]
