"""Agency actions without an Idempotency-Key, on a real Kafka and Postgres: a plain call works,
the same transition sent again answers as the first and announces nothing more, and another
action follows the referral's state machine; the events are counted on the topics."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest

from slrt_devstack.testing import eventually
from slrt_shared.contracts import topics

from .test_gateway_flow import about, action, copies, dispatched, pii, produce

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]

ACTED = {"id.slrt.referral.updated.v1", "id.slrt.case.resolved.v1"}


async def plain(gateway, referral_id: uuid.UUID, name: str, body: Any = None):  # type: ignore[no-untyped-def]
    """An action as a plain HTTP call: the agency's key, no Idempotency-Key."""
    return await gateway.http.post(
        f"/v1/referrals/{referral_id}/{name}", json=body, headers=gateway.agency("DINSOS")
    )


async def arrived(gateway) -> tuple[uuid.UUID, uuid.UUID]:  # type: ignore[no-untyped-def]
    """A new referral of DINSOS in its inbox: (complaint id, referral id)."""
    complaint_id = uuid.uuid4()
    referral = dispatched(complaint_id, "LANSIA", "DINSOS")
    await produce(
        gateway,
        (topics.REFERRAL_DISPATCHED, referral, complaint_id),
        (topics.COMPLAINT_PII, pii(complaint_id, "Mbah Karto"), complaint_id),
    )
    # Read by id: the list holds a referral back while any transaction of the cluster is open.
    path = f"/v1/referrals/{referral.referral_id}"

    async def here() -> bool:
        response = await gateway.http.get(path, headers=gateway.agency("DINSOS"))
        return response.status_code == 200

    await eventually(here)
    return complaint_id, referral.referral_id


async def announced(gateway, complaint_id: uuid.UUID, last: str) -> dict[str, list[str]]:  # type: ignore[no-untyped-def]
    """What the topics hold of the complaint once its `last` change is on the agency's topic."""
    await eventually(
        lambda: copies(gateway, "DINSOS", complaint_id, lambda c: c["data"]["status"] == last)
    )
    await asyncio.sleep(1.5)  # time for anything else the relay might still publish
    updated = await about(gateway, topics.REFERRAL_UPDATED, complaint_id)
    resolved = await about(gateway, topics.CASE_RESOLVED, complaint_id)
    # The copies an action put on the agency's topic (not those of the dispatch and the data).
    own = await copies(gateway, "DINSOS", complaint_id, lambda c: c["data"]["change"] in ACTED)
    return {
        "updated": [e["data"]["status"] for e in updated],
        "resolved": [e["data"]["outcome"] for e in resolved],
        "copies": [c["data"]["status"] for c in own],
    }


async def test_a_plain_call_acts_and_its_repeat_answers_the_same_changing_nothing(gateway) -> None:  # type: ignore[no-untyped-def]
    complaint_id, rid = await arrived(gateway)

    first = await plain(gateway, rid, "acknowledge", {"note": "Diterima"})
    assert (first.status_code, first.json()["status"]) == (200, "acknowledged"), first.text
    again = await plain(gateway, rid, "acknowledge", {"note": "Diterima"})
    assert (again.status_code, again.json()) == (200, first.json())
    # Another body is another request: the state machine answers it, as today.
    other = await plain(gateway, rid, "acknowledge", {"note": "Diterima lagi"})
    assert (other.status_code, other.json()["error"]["code"]) == (409, "invalid_transition")

    progress = await plain(gateway, rid, "progress", {"note": "Kunjungan rumah"})
    assert (progress.status_code, progress.json()["status"]) == (200, "in_progress")
    assert (await plain(gateway, rid, "progress", {"note": "Kunjungan rumah"})).json() == (
        progress.json()
    )
    further = await plain(gateway, rid, "progress", {"note": "Berkas diajukan"})
    assert further.status_code == 200 and further.json()["at"] != progress.json()["at"]

    body = {"outcome": "resolved", "note": "Masuk panti"}
    resolved = await plain(gateway, rid, "resolve", body)
    assert (resolved.status_code, resolved.json()["outcome"]) == (200, "resolved")
    assert (await plain(gateway, rid, "resolve", body)).json() == resolved.json()
    late = await plain(gateway, rid, "reject", {"reason_code": "sudah_ditangani"})
    assert (late.status_code, late.json()["error"]["code"]) == (409, "invalid_transition")
    # With a key, as before: the key's first answer, whatever the referral has become since.
    keyed = await action(gateway, "DINSOS", rid, "resolve", {"outcome": "unresolvable"})
    assert (keyed.status_code, keyed.json()["error"]["code"]) == (409, "invalid_transition")

    assert await announced(gateway, complaint_id, "resolved") == {
        "updated": ["acknowledged", "in_progress", "in_progress"],
        "resolved": ["resolved"],
        "copies": ["acknowledged", "in_progress", "in_progress", "resolved"],
    }


async def test_the_same_plain_call_side_by_side_changes_the_referral_once(gateway) -> None:  # type: ignore[no-untyped-def]
    complaint_id, rid = await arrived(gateway)
    answers = await asyncio.gather(
        *(plain(gateway, rid, "acknowledge", {"note": "Diterima"}) for _ in range(6))
    )
    assert {a.status_code for a in answers} == {200}
    assert len({a.text for a in answers}) == 1
    assert await announced(gateway, complaint_id, "acknowledged") == {
        "updated": ["acknowledged"],
        "resolved": [],
        "copies": ["acknowledged"],
    }
