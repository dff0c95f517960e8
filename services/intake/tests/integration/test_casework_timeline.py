"""The secretariat's case work on the public tracker, on a real Kafka and Postgres.

A withdrawal shows as "dialihkan oleh sekretariat" ("re-routed by the secretariat"), a due date's
extension as the new date; no reason, note or person reaches the tracker; a record read twice,
the secretariat's other steps and an action this version does not know add nothing.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aiokafka import AIOKafkaProducer

from slrt_devstack.testing import eventually
from slrt_shared.contracts import topics
from slrt_shared.contracts.envelope import CONTENT_TYPE
from slrt_shared.contracts.events import ReferralCaseWork

from .conftest import Intake, dispatch_of
from .test_intake_flow import event, produce, register

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]


async def test_the_tracker_shows_a_withdrawal_and_an_extended_due_date(intake: Intake) -> None:
    answer = await register(intake)
    complaint_id, ticket = answer["complaint_id"], answer["ticket"]
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=1)
    referral_id = uuid.uuid4()
    dispatch = dispatch_of(referral_id, complaint_id, ticket, start)
    await produce(
        intake, topics.REFERRAL_DISPATCHED, event(dispatch, complaint_id, "/slrt/referral")
    )
    secretary = uuid.uuid4()

    def step(action: str, minutes: int, **fields: Any) -> ReferralCaseWork:
        return ReferralCaseWork(
            referral_id=referral_id,
            complaint_id=complaint_id,
            action=action,  # type: ignore[arg-type]
            by_account=secretary,
            at=start + timedelta(minutes=minutes),
            **fields,
        )

    first_due = dispatch.due_at + timedelta(days=5)
    last_due = dispatch.due_at + timedelta(days=9)
    extended = step("due_extended", 1, reason_code="menunggu_dokumen", due_at=first_due)
    withdrawn = event(
        step("withdrawn", 2, reason_code="salah_instansi", to_agency_code="DINSOS"),
        complaint_id,
        "/slrt/referral",
    )
    note = step("note_added", 3)
    unknown = json.loads(event(step("note_added", 4), complaint_id, "/slrt/referral").to_bytes())
    unknown["data"]["action"] = "sent_to_the_minister"
    marker = step("due_extended", 5, reason_code="menunggu_dokumen", due_at=last_due)
    await produce(intake, topics.REFERRAL_CASEWORK, event(extended, complaint_id, "/slrt/referral"))
    await produce(intake, topics.REFERRAL_CASEWORK, withdrawn)
    await produce(intake, topics.REFERRAL_CASEWORK, withdrawn)  # delivered twice
    await produce(intake, topics.REFERRAL_CASEWORK, event(note, complaint_id, "/slrt/referral"))
    producer = AIOKafkaProducer(bootstrap_servers=intake.kafka_bootstrap_servers)
    await producer.start()
    try:
        await producer.send_and_wait(
            intake.layout.name(topics.REFERRAL_CASEWORK),
            json.dumps(unknown).encode(),
            key=str(complaint_id).encode(),
            headers=[("content-type", CONTENT_TYPE.encode())],
        )
    finally:
        await producer.stop()
    await produce(intake, topics.REFERRAL_CASEWORK, event(marker, complaint_id, "/slrt/referral"))

    async def tracker(language: str = "id") -> dict[str, Any] | None:
        response = await intake.http.get(
            f"/v1/track/{ticket}", headers={"Accept-Language": language}
        )
        assert response.status_code == 200, response.text
        view: dict[str, Any] = response.json()
        kinds = [e["kind"] for e in view["timeline"]]
        return view if kinds.count("due_extended") == 2 else None

    view = await eventually(tracker)
    assert [(e["kind"], e["label"]) for e in view["timeline"]] == [
        ("received", None),
        ("referred", None),
        ("due_extended", "tenggat diperpanjang"),
        ("withdrawn", "dialihkan oleh sekretariat"),
        ("due_extended", "tenggat diperpanjang"),
    ]
    dues = [e["due_at"] for e in view["timeline"] if e["kind"] == "due_extended"]
    assert [datetime.fromisoformat(d) for d in dues] == [first_due, last_due]
    # The public status stays where the agencies' events took it.
    assert view["status"] == "referred"
    # Codes of why, and who, stay with the secretariat.
    text = json.dumps(view)
    for hidden in ("salah_instansi", "menunggu_dokumen", str(secretary), "DINSOS"):
        assert hidden not in text
    english = await tracker("en")
    assert english is not None
    labels = [e["label"] for e in english["timeline"] if e["label"]]
    assert labels == ["due date extended", "re-routed by the secretariat", "due date extended"]
