"""The agencies' door: who may do what, webhooks, the agency's own topic, audit, directory."""

from __future__ import annotations

import asyncio
import json
import threading
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

pytestmark = [pytest.mark.e2e, pytest.mark.integration]

VILLAGE = "32.15.12.2001"


def register(platform, needs: list[str]) -> dict:  # type: ignore[no-untyped-def]
    body = {
        "village_code": VILLAGE,
        "needs": needs,
        "description": "Korban kekerasan, perlu pendampingan.",
        "channel": "walk_in",
        "recorded_at": "2025-06-26T09:15:00+07:00",
        "resident": {
            "nik": "3215124107800001",
            "name": "Rina",
            "phone": "081211112222",
            "address": "RT 01/RW 02",
        },
    }
    return platform.register(body)


def inbox(platform, agency: str, complaint_id: str, headers=None) -> list[dict]:  # type: ignore[no-untyped-def]
    response = httpx.get(
        f"{platform.urls['agency-gateway']}/v1/referrals",
        headers=headers or platform.agency(agency),
        params={"limit": 200},
    )
    if response.status_code != 200:
        return []
    return [r for r in response.json()["items"] if r["complaint_id"] == complaint_id]


def gateway_cli(platform, *args: str) -> str:  # type: ignore[no-untyped-def]
    return platform.cli("agency-gateway", *args)  # type: ignore[no-any-return]


def test_the_authorisation_matrix(platform, eventually) -> None:  # type: ignore[no-untyped-def]
    accepted = register(platform, ["KERJA"])
    [referral] = eventually(lambda: inbox(platform, "DISNAKERTRANS", accepted["complaint_id"]))
    gateway = platform.urls["agency-gateway"]
    one = f"{gateway}/v1/referrals/{referral['referral_id']}"
    issued = gateway_cli(platform, "keys", "issue", "DISNAKERTRANS")
    old_key = issued.split("key:")[1].split()[0]
    rotated = gateway_cli(platform, "keys", "rotate", "DISNAKERTRANS")
    new_key = rotated.split("key:")[1].split()[0]
    spare = gateway_cli(platform, "keys", "issue", "DISNAKERTRANS")
    spare_id, spare_key = spare.split("id:")[1].split()[0], spare.split("key:")[1].split()[0]
    gateway_cli(platform, "keys", "revoke", spare_id)

    def bearer(token: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {token}"}

    callers = {
        "own agency (rotated key)": (bearer(new_key), 200),
        "another agency": (platform.agency("BPJSKES"), 404),
        "the admin": (bearer(platform.creds["admin"]), 401),
        "no key": ({}, 401),
        "a revoked key": (bearer(spare_key), 401),
        "the key before rotation": (bearer(old_key), 401),
        "the seeded key, rotated away": (platform.agency("DISNAKERTRANS"), 401),
    }
    for who, (headers, status) in callers.items():
        assert httpx.get(one, headers=headers).status_code == status, who
        action = httpx.post(
            f"{one}/acknowledge", headers={**headers, "Idempotency-Key": str(uuid.uuid4())}
        )
        assert action.status_code == status, who
    missing = httpx.get(
        f"{gateway}/v1/referrals/{uuid.uuid4()}", headers=platform.agency("BPJSKES")
    )
    assert missing.json() == httpx.get(one, headers=platform.agency("BPJSKES")).json()
    assert inbox(platform, "BPJSKES", accepted["complaint_id"]) == []

    audit = f"{gateway}/v1/audit"
    assert httpx.get(audit, headers=bearer(new_key)).status_code == 401
    entries = httpx.get(
        audit,
        params={"referral_id": referral["referral_id"]},
        headers=bearer(platform.creds["admin"]),
    ).json()
    assert entries and {e["agency_code"] for e in entries} == {"DISNAKERTRANS"}
    assert "name" in entries[0]["fields"] and "nik" not in entries[0]["fields"]


def test_every_transition_is_checked_and_repeats_are_safe(platform, eventually) -> None:  # type: ignore[no-untyped-def]
    accepted = register(platform, ["LANSIA"])
    [referral] = eventually(lambda: inbox(platform, "DINSOS", accepted["complaint_id"]))
    url = f"{platform.urls['agency-gateway']}/v1/referrals/{referral['referral_id']}"

    def act(action: str, body=None, key=None) -> httpx.Response:  # type: ignore[no-untyped-def]
        return httpx.post(
            f"{url}/{action}",
            json=body,
            headers={**platform.agency("DINSOS"), "Idempotency-Key": key or str(uuid.uuid4())},
        )

    assert act("reject", {}).status_code == 422  # a reason is required
    assert act("resolve", {"outcome": "sort_of"}).status_code == 422
    key = str(uuid.uuid4())
    first, repeat = act("acknowledge", key=key), act("acknowledge", key=key)
    assert first.status_code == repeat.status_code == 200 and first.json() == repeat.json()
    assert act("acknowledge").json()["error"]["code"] == "invalid_transition"
    assert act("progress", {"note": "Kunjungan rumah dijadwalkan"}).status_code == 200
    assert act("progress", {"note": "Berkas dilengkapi"}).status_code == 200
    assert act("acknowledge").status_code == 409
    assert act("resolve", {"outcome": "resolved", "note": "Masuk panti"}).status_code == 200
    for late in ("acknowledge", "progress"):
        assert act(late).status_code == 409
    assert act("reject", {"reason": "terlambat"}).status_code == 409
    assert act("resolve", {"outcome": "resolved"}).status_code == 409
    reused = httpx.post(
        f"{url}/progress",
        json={"note": "x"},
        headers={**platform.agency("DINSOS"), "Idempotency-Key": key},
    )
    assert reused.status_code == 409


class Receiver:
    """A local webhook receiver that verifies signatures with the standardwebhooks package."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.secret = ""
        self.received: list[dict] = []
        self.rejected_signatures = 0
        self.calls = 0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["content-length"]))
                receiver.calls += 1
                try:
                    payload = Webhook(receiver.secret).verify(body, dict(self.headers))
                except WebhookVerificationError:
                    receiver.rejected_signatures += 1
                    self.send_response(401)
                    self.end_headers()
                    return
                if receiver.failures > 0:
                    receiver.failures -= 1
                    self.send_response(503)
                    self.end_headers()
                    return
                receiver.received.append({"id": self.headers["webhook-id"], "event": payload})
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/slrt"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    made: list[Receiver] = []

    def make(failures: int = 0) -> Receiver:
        made.append(Receiver(failures))
        return made[-1]

    yield make  # type: ignore[misc]
    for r in made:
        r.close()


def subscribe_webhook(platform, agency: str, url: str) -> str:  # type: ignore[no-untyped-def]
    response = httpx.put(
        f"{platform.urls['agency-gateway']}/v1/webhook",
        json={"url": url},
        headers=platform.agency(agency),
    )
    assert response.status_code == 200, response.text
    return response.json()["secret"]  # type: ignore[no-any-return]


def test_webhooks_are_signed_retried_until_the_receiver_recovers_and_logged(
    platform, receiver, eventually
) -> None:
    hook = receiver(failures=2)
    hook.secret = subscribe_webhook(platform, "DP3A", hook.url)
    assert hook.secret.startswith("whsec_")
    accepted = register(platform, ["KEKERASAN"])
    delivered = eventually(
        lambda: [r for r in hook.received if r["event"]["subject"] == accepted["complaint_id"]],
        timeout=45,
    )
    event = delivered[0]["event"]
    assert event["type"] == "id.slrt.agency.referral.v1"
    assert event["data"]["agency_code"] == "DP3A"
    # The resident's data travels on its own topic, so it may reach the gateway after the
    # referral; then a later delivery (change id.slrt.complaint.pii.v1) carries it.
    disclosed = eventually(
        lambda: [
            r["event"]["data"]["resident"]
            for r in hook.received
            if r["event"]["subject"] == accepted["complaint_id"] and r["event"]["data"]["resident"]
        ],
        timeout=45,
    )
    assert disclosed[0]["description"]  # KEKERASAN is special: full disclosure
    assert hook.rejected_signatures == 0 and hook.calls >= 3

    def logged() -> list:  # type: ignore[type-arg]
        log = httpx.get(
            f"{platform.urls['agency-gateway']}/v1/webhook/deliveries",
            headers=platform.agency("DP3A"),
        ).json()
        # the receiver answers before the gateway records the answer: wait for the record
        return [d for d in log if d["id"] == delivered[0]["id"] and d["status"] != "pending"]

    mine = eventually(logged, timeout=15)
    assert mine[0]["status"] == "delivered" and mine[0]["attempts"] == 3

    # A replayed delivery carries the same webhook-id, so the receiver can refuse it.
    assert len({r["id"] for r in hook.received}) == len(hook.received)


def test_a_delivery_that_keeps_failing_is_parked_visible_and_can_be_resent(
    platform, receiver, eventually
) -> None:
    hook = receiver(failures=1000)
    hook.secret = subscribe_webhook(platform, "BPBD", hook.url)
    accepted = register(platform, ["BENCANA"])
    url = f"{platform.urls['agency-gateway']}/v1/webhook/deliveries"
    parked = eventually(
        lambda: httpx.get(url, params={"status": "parked"}, headers=platform.agency("BPBD")).json(),
        timeout=45,
    )
    assert parked[0]["attempts"] == 4 and parked[0]["last_status_code"] == 503
    metrics = httpx.get(f"{platform.urls['agency-gateway']}/metrics").text
    assert 'slrt_webhook_parked{agency="BPBD"} 1.0' in metrics

    hook.failures = 0
    retried = httpx.post(f"{url}/{parked[0]['id']}/retry", headers=platform.agency("BPBD"))
    assert retried.status_code == 202
    eventually(
        lambda: [r for r in hook.received if r["event"]["subject"] == accepted["complaint_id"]],
        timeout=30,
    )


def test_the_agency_topic_carries_its_own_referrals_only(platform, test_env, eventually) -> None:
    accepted = register(platform, ["RTLH"])
    [referral] = eventually(lambda: inbox(platform, "DISPERKIM", accepted["complaint_id"]))

    async def read(agency: str) -> list[dict]:
        topic = test_env.layout.agency(agency)
        consumer = AIOKafkaConsumer(
            bootstrap_servers=test_env.kafka_bootstrap_servers,
            group_id=f"{test_env.topic_prefix}{agency}-reader",
            auto_offset_reset="earliest",
        )
        await consumer.start()
        try:
            await consumer._client.force_metadata_update()
            parts = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or []]
            consumer.assign(parts)
            await consumer.seek_to_beginning(*parts)
            records = []
            for batch in (await consumer.getmany(timeout_ms=3000)).values():
                records.extend(json.loads(r.value) for r in batch)
            return records
        finally:
            await consumer.stop()

    def disclosed() -> list[dict]:
        # the resident's data may reach the gateway after the referral, in a later copy
        return [
            e
            for e in asyncio.run(read("DISPERKIM"))
            if e["subject"] == accepted["complaint_id"] and e["data"]["resident"]
        ]

    copies = eventually(disclosed, timeout=30)
    assert copies[0]["data"]["referral_id"] == referral["referral_id"]
    assert copies[0]["data"]["resident"].get("nik") is None  # RTLH is basic: no NIK
    mine = asyncio.run(read("DISPERKIM"))
    assert {e["data"]["agency_code"] for e in mine} == {"DISPERKIM"}
    others = asyncio.run(read("DISKOPUKM"))
    assert all(e["subject"] != accepted["complaint_id"] for e in others)


def test_a_newly_registered_agency_gets_its_own_topic(platform, test_env) -> None:  # type: ignore[no-untyped-def]
    out = gateway_cli(
        platform,
        "agencies",
        "register",
        "DISHUB",
        "--name-id",
        "Dinas Perhubungan",
        "--name-en",
        "Transport Office",
    )
    assert test_env.layout.agency("DISHUB") in out

    async def topics() -> set[str]:
        from aiokafka.admin import AIOKafkaAdminClient

        admin = AIOKafkaAdminClient(bootstrap_servers=test_env.kafka_bootstrap_servers)
        await admin.start()
        try:
            return set(await admin.list_topics())
        finally:
            await admin.close()

    assert test_env.layout.agency("DISHUB") in asyncio.run(topics())


def test_the_public_directory_is_hsds_json(platform) -> None:  # type: ignore[no-untyped-def]
    directory = httpx.get(f"{platform.urls['agency-gateway']}/v1/directory").json()
    organizations = {o["alternate_name"]: o for o in directory["organizations"]}
    assert set(organizations) >= {"DINSOS", "BPJSKES", "SLRT"}
    dinsos = organizations["DINSOS"]
    assert uuid.UUID(dinsos["id"])
    assert {s["alternate_name"] for s in dinsos["services"]} >= {"JKN-PBI", "LANSIA"}
    assert all(
        s["organization_id"] == dinsos["id"] and s["status"] == "active" for s in dinsos["services"]
    )
