"""Each agency sees its own need's detail, on a real Kafka and Postgres: the API, its topic and
its webhook carry that need's detail and never another's, and an erasure takes it away."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

import asyncpg
import pytest

from slrt_devstack.testing import eventually
from slrt_shared.contracts import topics
from slrt_shared.contracts.events import ComplaintPiiErased

from .test_gateway_flow import audit_rows, copies, dispatched, pii, produce

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]

HEALTH = "Kartu PBI ditolak di Puskesmas Cikampek sejak Maret 2025."
HOUSE = "Atap dapur runtuh; tidur di rumah tetangga."


async def read(gateway, agency: str, referral_id: uuid.UUID) -> dict[str, Any] | None:  # type: ignore[no-untyped-def]
    """The agency's referral once its resident's data has arrived (None before)."""
    response = await gateway.http.get(
        f"/v1/referrals/{referral_id}", headers=gateway.agency(agency)
    )
    if response.status_code != 200 or response.json()["resident"] is None:
        return None
    return response.json()  # type: ignore[no-any-return]


async def payloads(gateway, referral_id: uuid.UUID) -> list[dict[str, Any]]:  # type: ignore[no-untyped-def]
    """The webhook payloads queued for a referral, as the agency's receiver would get them."""
    conn = await asyncpg.connect(gateway.dsn)
    try:
        rows = await conn.fetch(
            "SELECT payload FROM webhook_deliveries WHERE referral_id = $1 ORDER BY seq",
            referral_id,
        )
    finally:
        await conn.close()
    return [json.loads(r["payload"]) for r in rows if r["payload"] is not None]


async def test_each_agency_sees_its_own_needs_detail_and_never_anothers(gateway) -> None:  # type: ignore[no-untyped-def]
    # DISPERKIM's webhook points at a closed port: its deliveries stay queued with their payload.
    hook = await gateway.http.put(
        "/v1/webhook", json={"url": "http://127.0.0.1:9/hook"}, headers=gateway.agency("DISPERKIM")
    )
    assert hook.status_code in (200, 201), hook.text
    complaint = uuid.uuid4()
    health = dispatched(complaint, "JKN-PBI", "DINSOS")  # sensitive: no description disclosed
    house = dispatched(complaint, "RTLH", "DISPERKIM")  # basic
    data = pii(complaint, "Siti Aminah").model_copy(
        update={"need_details": {"JKN-PBI": HEALTH, "RTLH": HOUSE}}
    )
    await produce(
        gateway,
        (topics.REFERRAL_DISPATCHED, health, complaint),
        (topics.COMPLAINT_PII, data, complaint),
        (topics.REFERRAL_DISPATCHED, house, complaint),
    )
    dinsos = await eventually(lambda: read(gateway, "DINSOS", health.referral_id))
    disperkim = await eventually(lambda: read(gateway, "DISPERKIM", house.referral_id))
    assert (dinsos["need_detail"], disperkim["need_detail"]) == (HEALTH, HOUSE)
    assert "description" not in {k for k, v in dinsos["resident"].items() if v is not None}
    assert HOUSE not in json.dumps(dinsos) and HEALTH not in json.dumps(disperkim)
    # The read of the detail is audited like the resident's data.
    assert "need_detail" in (await audit_rows(gateway, health.referral_id))[-1]["fields"]

    # The agencies' own topics: the copy that brought the data carries the need's own detail.
    def with_data(record: dict[str, Any]) -> bool:
        return record["data"]["resident"] is not None

    own = await eventually(lambda: copies(gateway, "DINSOS", complaint, with_data))
    assert {c["data"]["need_detail"] for c in own} == {HEALTH}
    assert not any(HOUSE in json.dumps(c) for c in own)
    theirs = await eventually(lambda: copies(gateway, "DISPERKIM", complaint, with_data))
    assert {c["data"]["need_detail"] for c in theirs} == {HOUSE}
    assert not any(HEALTH in json.dumps(c) for c in theirs)
    # The webhook carries the very copy put on the topic.
    hooked = await eventually(lambda: payloads(gateway, house.referral_id))
    assert [p["data"]["need_detail"] for p in hooked] == [HOUSE]

    # An erasure takes the detail away with the rest of the resident's data.
    erased = ComplaintPiiErased(
        complaint_id=complaint, erased_at=datetime.now(UTC), cause="request"
    )
    await produce(gateway, (topics.COMPLAINT_PII, erased, complaint))

    async def erased_copy() -> list[dict[str, Any]]:
        return await copies(
            gateway, "DINSOS", complaint, lambda r: r["data"]["change"] == erased.event_type
        )

    [after] = await eventually(erased_copy)
    assert after["data"]["need_detail"] is None and after["data"]["resident"] is None
    response = await gateway.http.get(
        f"/v1/referrals/{health.referral_id}", headers=gateway.agency("DINSOS")
    )
    assert response.json()["need_detail"] is None and response.json()["personal_data_erased"]
