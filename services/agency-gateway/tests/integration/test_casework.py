"""The secretariat's case work reaching the agencies, on a real Kafka and Postgres.

A withdrawn referral refuses every action with its code, leaves the desk's inbox and is told to
its agency's webhook (a receiver on 127.0.0.1) and topic, while the next agency gets a plain
dispatch; an extended due date reaches the API, the CSV and the copies; a record read twice, an
older extension, the secretariat's own steps and an action this version does not know change
nothing.
"""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import asyncpg
import pytest
from aiokafka import AIOKafkaProducer
from standardwebhooks.webhooks import Webhook

from slrt_devstack.testing import eventually, read_records
from slrt_shared.contracts import topics
from slrt_shared.contracts.envelope import CloudEvent, new_event
from slrt_shared.contracts.events import ReferralCaseWork
from slrt_shared.tokens import hash_token, new_token

from .test_gateway_flow import action, copies, dispatched, item, listing, pii, produce

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]

WITHDRAWN = "id.slrt.referral.withdrawn.v1"
EXTENDED = "id.slrt.referral.due_extended.v1"


class Receiver:
    """An agency's webhook endpoint on 127.0.0.1: checks the signature, keeps every body."""

    def __init__(self) -> None:
        self.secret = ""
        self.bodies: list[dict[str, Any]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["content-length"]))
                Webhook(receiver.secret).verify(body, dict(self.headers))
                receiver.bodies.append(json.loads(body))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    async def of(self, referral_id: uuid.UUID, change: str) -> list[dict[str, Any]]:
        return [
            b
            for b in self.bodies
            if b["data"]["referral_id"] == str(referral_id) and b["data"]["change"] == change
        ]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    found = Receiver()
    thread = threading.Thread(target=found.server.serve_forever, daemon=True)
    thread.start()
    try:
        yield found
    finally:
        found.server.shutdown()
        found.server.server_close()


async def hook(gateway, agency: str, receiver: Receiver) -> None:  # type: ignore[no-untyped-def]
    response = await gateway.http.put(
        "/v1/webhook",
        json={"url": receiver.url, "rotate_secret": True},
        headers=gateway.agency(agency),
    )
    assert response.status_code in (200, 201), response.text
    receiver.secret = response.json()["secret"]


def step(referral, action_name: str, **fields: Any) -> ReferralCaseWork:  # type: ignore[no-untyped-def]
    return ReferralCaseWork(
        referral_id=referral.referral_id,
        complaint_id=referral.complaint_id,
        action=action_name,  # type: ignore[arg-type]
        at=datetime.now(UTC).replace(microsecond=0),
        **fields,
    )


async def send(gateway, *events: CloudEvent) -> None:  # type: ignore[no-untyped-def]
    """Put these very records (ids and all) on referral.casework, keyed by their complaint."""
    producer = AIOKafkaProducer(bootstrap_servers=gateway.kafka_bootstrap_servers)
    await producer.start()
    try:
        for event in events:
            await producer.send_and_wait(
                gateway.layout.name(topics.REFERRAL_CASEWORK),
                event.to_bytes(),
                key=str(event.subject).encode(),
            )
    finally:
        await producer.stop()


def event_of(data: ReferralCaseWork) -> CloudEvent:
    return new_event(data, source="/slrt/referral", subject=data.complaint_id)


async def referral_of(
    gateway, agency: str, referral_id: uuid.UUID, **headers: str
) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    response = await gateway.http.get(
        f"/v1/referrals/{referral_id}", headers={**gateway.agency(agency), **headers}
    )
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


async def timeline(gateway, agency: str, referral_id: uuid.UUID) -> list[dict[str, Any]]:  # type: ignore[no-untyped-def]
    response = await gateway.http.get(
        f"/v1/referrals/{referral_id}/timeline", headers=gateway.agency(agency)
    )
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


async def actions_logged(gateway, referral_id: uuid.UUID) -> list[str]:  # type: ignore[no-untyped-def]
    conn = await asyncpg.connect(gateway.dsn)
    try:
        rows = await conn.fetch(
            "SELECT action FROM referral_actions WHERE referral_id = $1 ORDER BY id", referral_id
        )
    finally:
        await conn.close()
    return [r["action"] for r in rows]


async def test_a_withdrawn_referral_refuses_actions_leaves_the_inbox_and_is_told(  # type: ignore[no-untyped-def]
    gateway, receiver
) -> None:
    await hook(gateway, "DINSOS", receiver)
    complaint = uuid.uuid4()
    first = dispatched(complaint, "JKN-PBI", "DINSOS")
    await produce(
        gateway,
        (topics.REFERRAL_DISPATCHED, first, complaint),
        (topics.COMPLAINT_PII, pii(complaint, "Siti Aminah"), complaint),
    )
    await eventually(lambda: item(gateway, "DINSOS", first.referral_id))
    assert (await action(gateway, "DINSOS", first.referral_id, "acknowledge")).status_code == 200

    # The secretariat re-routes the need to DINKES: the withdrawal, then the next dispatch.
    withdrawal = event_of(
        step(first, "withdrawn", reason_code="salah_instansi", to_agency_code="DINKES")
    )
    second = dispatched(complaint, "JKN-PBI", "DINKES").model_copy(update={"attempt": 2})
    await send(gateway, withdrawal)
    await produce(gateway, (topics.REFERRAL_DISPATCHED, second, complaint))

    async def withdrawn() -> dict[str, Any] | None:
        found = await referral_of(gateway, "DINSOS", first.referral_id)
        return found if found["status"] == "withdrawn" else None

    held = await eventually(withdrawn)
    assert held["reason_code"] == "salah_instansi" and held["outcome"] is None
    # What the agency saw of the resident stays as for any referral that ended (until erasure).
    assert held["resident"]["name"] == "Siti Aminah"

    # Every action is refused with the code, in Bahasa Indonesia unless English is asked for.
    bodies = {
        "acknowledge": None,
        "progress": {"note": "masih dikerjakan"},
        "reject": {"reason_code": "bukan_kewenangan"},
        "resolve": {"outcome": "resolved"},
    }
    for name, body in bodies.items():
        refused = await action(gateway, "DINSOS", first.referral_id, name, body)
        assert refused.status_code == 409, refused.text
        error = refused.json()["error"]
        assert error["code"] == "referral_withdrawn"
        assert "dialihkan oleh sekretariat" in error["message"]
    english = await gateway.http.post(
        f"/v1/referrals/{first.referral_id}/progress",
        json={"note": "x"},
        headers={**gateway.agency("DINSOS"), "Accept-Language": "en"},
    )
    assert english.status_code == 409
    assert english.json()["error"]["code"] == "referral_withdrawn"
    assert "secretariat has withdrawn" in english.json()["error"]["message"]
    after = await referral_of(gateway, "DINSOS", first.referral_id)
    assert (after["status"], after["updated_at"]) == ("withdrawn", held["updated_at"])
    assert await actions_logged(gateway, first.referral_id) == ["acknowledge", "withdrawn"]

    # The desk's inbox leaves it out; the status filter (and the plain list) still find it.
    def ids(page: dict[str, Any]) -> set[str]:
        return {i["referral_id"] for i in page["items"]}

    mine = str(first.referral_id)
    assert mine not in ids(await listing(gateway, "DINSOS", limit=200, without_withdrawn=True))
    assert mine in ids(await listing(gateway, "DINSOS", limit=200, status="withdrawn"))
    assert mine in ids(await listing(gateway, "DINSOS", limit=200))
    steps = await timeline(gateway, "DINSOS", first.referral_id)
    assert [s["kind"] for s in steps] == ["dispatched", "acknowledge", "withdrawn"]
    assert steps[-1]["by_system_key"] is False and steps[-1]["account_id"] is None

    # Told on the webhook and the agency's topic: the very same copy.
    [delivered] = await eventually(lambda: receiver.of(first.referral_id, WITHDRAWN))
    assert delivered["data"]["status"] == "withdrawn"
    [told] = await eventually(
        lambda: copies(gateway, "DINSOS", complaint, lambda r: r["data"]["change"] == WITHDRAWN)
    )
    assert told["id"] == delivered["id"]
    log = await gateway.http.get("/v1/webhook/deliveries", headers=gateway.agency("DINSOS"))
    assert WITHDRAWN in {d["event_type"] for d in log.json()}

    # The next agency gets a plain dispatch.
    nxt = await eventually(lambda: item(gateway, "DINKES", second.referral_id))
    assert (nxt["status"], nxt["attempt"]) == ("dispatched", 2)
    assert (await action(gateway, "DINKES", second.referral_id, "acknowledge")).status_code == 200

    # The withdrawal read again, then a step after it on the same key: the second is applied,
    # so the first was read, and it changed nothing.
    later = second.due_at + timedelta(days=3)
    marker = event_of(step(second, "due_extended", reason_code="menunggu_dokumen", due_at=later))
    await send(gateway, withdrawal, marker)

    async def extended() -> bool:
        found = await referral_of(gateway, "DINKES", second.referral_id)
        return datetime.fromisoformat(found["due_at"]) == later

    await eventually(extended)
    assert await actions_logged(gateway, first.referral_id) == ["acknowledge", "withdrawn"]
    again = await copies(gateway, "DINSOS", complaint, lambda r: r["data"]["change"] == WITHDRAWN)
    assert len(again) == 1
    assert (await referral_of(gateway, "DINSOS", first.referral_id))["updated_at"] == (
        held["updated_at"]
    )


async def test_an_extended_due_date_reaches_the_api_the_csv_and_the_copies(  # type: ignore[no-untyped-def]
    gateway, receiver
) -> None:
    await hook(gateway, "DISDUKCAPIL", receiver)
    complaint = uuid.uuid4()
    referral = dispatched(complaint, "ADMINDUK", "DISDUKCAPIL")
    await produce(gateway, (topics.REFERRAL_DISPATCHED, referral, complaint))
    await eventually(lambda: item(gateway, "DISDUKCAPIL", referral.referral_id, False))
    later = referral.due_at + timedelta(days=5)
    extension = event_of(
        step(
            referral,
            "due_extended",
            reason_code="menunggu_dokumen",
            due_at=later,
            previous_due_at=referral.due_at,
        )
    )
    await send(gateway, extension)

    async def moved() -> dict[str, Any] | None:
        found = await referral_of(gateway, "DISDUKCAPIL", referral.referral_id)
        return found if datetime.fromisoformat(found["due_at"]) == later else None

    shown = await eventually(moved)
    assert shown["status"] == "dispatched"
    [delivered] = await eventually(lambda: receiver.of(referral.referral_id, EXTENDED))
    assert datetime.fromisoformat(delivered["data"]["due_at"]) == later
    [told] = await copies(
        gateway, "DISDUKCAPIL", complaint, lambda r: r["data"]["change"] == EXTENDED
    )
    assert told["id"] == delivered["id"]
    steps = await timeline(gateway, "DISDUKCAPIL", referral.referral_id)
    assert [s["kind"] for s in steps] == ["dispatched", "due_extended"]

    # Read again, an older extension read late, the secretariat's own steps and an action of
    # a later version of the contract: none changes anything. The last extension tells they
    # were all read (same key, same partition, in order).
    older = event_of(step(referral, "due_extended", due_at=referral.due_at + timedelta(days=2)))
    own = [
        event_of(step(referral, "triaged", service_code="ADMINDUK", to_agency_code="DISDUKCAPIL")),
        event_of(step(referral, "held")),
        event_of(step(referral, "resolved", outcome="resolved")),
        event_of(step(referral, "note_added")),
    ]
    unknown = event_of(step(referral, "note_added"))
    raw = json.loads(unknown.to_bytes())
    raw["data"]["action"] = "sent_to_the_minister"
    unknown_id = raw["id"]
    final = later + timedelta(days=1)
    marker = event_of(step(referral, "due_extended", due_at=final))
    producer = AIOKafkaProducer(bootstrap_servers=gateway.kafka_bootstrap_servers)
    await producer.start()
    try:
        await send(gateway, extension, older, *own)
        await producer.send_and_wait(
            gateway.layout.name(topics.REFERRAL_CASEWORK),
            json.dumps(raw).encode(),
            key=str(complaint).encode(),
        )
        await send(gateway, marker)
    finally:
        await producer.stop()

    async def finally_moved() -> dict[str, Any] | None:
        found = await referral_of(gateway, "DISDUKCAPIL", referral.referral_id)
        return found if datetime.fromisoformat(found["due_at"]) == final else None

    last = await eventually(finally_moved)
    assert last["status"] == "dispatched" and last["outcome"] is None
    assert await actions_logged(gateway, referral.referral_id) == ["due_extended"] * 2
    moves = await copies(gateway, "DISDUKCAPIL", complaint, lambda r: True)
    assert [c["data"]["change"] for c in moves] == [
        "id.slrt.referral.dispatched.v1",
        EXTENDED,
        EXTENDED,
    ]
    # The unknown action was taken and passed over, not dead-lettered.
    letters = await read_records(
        gateway.kafka_bootstrap_servers, gateway.layout.dlq(topics.REFERRAL_CASEWORK)
    )
    assert not [r for r in letters if unknown_id.encode() in (r.value or b"")]

    # The CSV (a supervisor's) holds the new due date.
    token = new_token("st_")
    conn = await asyncpg.connect(gateway.dsn)
    try:
        await conn.execute(
            "INSERT INTO staff_accounts (token_hash, agency_code, name, role)"
            " VALUES ($1, 'DISDUKCAPIL', 'Penyelia', 'supervisor')",
            hash_token(token),
        )
    finally:
        await conn.close()
    export = await gateway.http.get(
        "/v1/referrals.csv", headers={"Authorization": f"Bearer {token}"}
    )
    assert export.status_code == 200, export.text
    [row] = [line for line in export.text.splitlines() if str(referral.referral_id) in line]
    assert final.isoformat() in row.split(",")


async def test_case_work_read_before_its_dispatch_is_kept_and_applied_on_arrival(  # type: ignore[no-untyped-def]
    gateway,
) -> None:
    complaint = uuid.uuid4()
    referral = dispatched(complaint, "JKN-PBI", "DINKES")
    later = referral.due_at + timedelta(days=4)
    extension = event_of(step(referral, "due_extended", due_at=later))
    withdrawal = event_of(step(referral, "withdrawn", reason_code="beban_kerja"))
    # Another replica is behind on referral.dispatched: the steps are read first (one twice).
    await send(gateway, extension, withdrawal, withdrawal)

    async def kept() -> int:
        conn = await asyncpg.connect(gateway.dsn)
        try:
            return int(
                await conn.fetchval(
                    "SELECT count(*) FROM pending_casework WHERE referral_id = $1",
                    referral.referral_id,
                )
            )
        finally:
            await conn.close()

    async def both_kept() -> bool:
        return await kept() == 2

    await eventually(both_kept)
    await produce(gateway, (topics.REFERRAL_DISPATCHED, referral, complaint))

    async def arrived() -> dict[str, Any] | None:
        found = await item(gateway, "DINKES", referral.referral_id, False)
        return found if found and found["status"] == "withdrawn" else None

    shown = await eventually(arrived)
    assert datetime.fromisoformat(shown["due_at"]) == later
    assert shown["reason_code"] == "beban_kerja"
    assert await kept() == 0
    assert await actions_logged(gateway, referral.referral_id) == ["due_extended", "withdrawn"]
    told = await copies(gateway, "DINKES", complaint, lambda r: True)
    assert [c["data"]["change"] for c in told] == [
        "id.slrt.referral.dispatched.v1",
        EXTENDED,
        WITHDRAWN,
    ]
    assert [c["data"]["status"] for c in told] == ["dispatched", "dispatched", "withdrawn"]
    refused = await action(gateway, "DINKES", referral.referral_id, "acknowledge")
    assert (refused.status_code, refused.json()["error"]["code"]) == (409, "referral_withdrawn")
