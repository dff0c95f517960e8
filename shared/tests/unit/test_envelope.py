import json
from datetime import UTC, datetime
from uuid import uuid4

import pytest
from cloudevents.v1.http import CloudEvent as SdkCloudEvent
from cloudevents.v1.kafka import KafkaMessage, from_structured, to_structured

from slrt_shared.contracts.envelope import CONTENT_TYPE, InvalidEventError, decode, new_event
from slrt_shared.contracts.events import (
    CaseResolved,
    ComplaintCreated,
    ReferralDispatched,
    ReferralUpdated,
)

NOW = datetime(2025, 6, 26, 2, 15, tzinfo=UTC)


def complaint_created() -> ComplaintCreated:
    return ComplaintCreated(
        complaint_id=uuid4(),
        ticket="SLRT-K7M2-9QXA",
        village_code="32.15.02.2001",
        needs=["JKN-PBI", "ADMINDUK"],
        channel="walk_in",
        received_at=NOW,
        recorded_at=NOW,
    )


def test_our_record_value_is_a_structured_cloudevent_for_the_sdk() -> None:
    data = complaint_created()
    event = new_event(data, source="/slrt/intake", subject=data.complaint_id, time=NOW)

    parsed = from_structured(
        KafkaMessage(
            headers={"content-type": CONTENT_TYPE.encode()}, key=event.key, value=event.to_bytes()
        )
    )

    assert parsed["specversion"] == "1.0"
    assert parsed["id"] == str(event.id)
    assert parsed["source"] == "/slrt/intake"
    assert parsed["type"] == "id.slrt.complaint.created.v1"
    assert parsed["subject"] == str(data.complaint_id)
    assert parsed["partitionkey"] == event.key
    assert parsed.get_data()["needs"] == ["JKN-PBI", "ADMINDUK"]
    # The SDK reports the record's content-type header here; the envelope itself says JSON data.
    assert parsed["datacontenttype"] == CONTENT_TYPE
    assert json.loads(event.to_bytes())["datacontenttype"] == "application/json"


def test_an_sdk_structured_event_decodes_into_our_payload() -> None:
    complaint_id = uuid4()
    sdk_event = SdkCloudEvent(
        {
            "id": str(uuid4()),
            "source": "/slrt/agency-gateway",
            "type": "id.slrt.case.resolved.v1",
            "subject": str(complaint_id),
            "time": NOW.isoformat(),
            "datacontenttype": "application/json",
        },
        {
            "referral_id": str(uuid4()),
            "complaint_id": str(complaint_id),
            "agency_code": "DINSOS",
            "outcome": "resolved",
            "note": "PBI aktif kembali",
            "resolved_at": NOW.isoformat(),
        },
    )
    message = to_structured(sdk_event)

    event = decode(message.value)
    payload = event.payload_as(CaseResolved)

    assert payload.complaint_id == complaint_id
    assert payload.outcome == "resolved"
    assert event.key == str(complaint_id).encode()


def test_record_key_is_the_complaint_id() -> None:
    data = complaint_created()
    event = new_event(data, source="/slrt/intake", subject=data.complaint_id)
    assert event.key == str(data.complaint_id).encode()


@pytest.mark.parametrize(
    "value",
    [
        None,
        b"",
        b"not json",
        b"{}",
        b'{"specversion": "1.0"}',
        b"[1, 2]",
        b'{"specversion":"0.3","id":"x","source":"/slrt/intake","type":"t","subject":"s",'
        b'"time":"2025-01-01T00:00:00Z","data":{}}',
    ],
)
def test_malformed_record_values_are_refused(value: bytes | None) -> None:
    with pytest.raises(InvalidEventError):
        decode(value)


def test_payload_of_the_wrong_type_is_refused() -> None:
    data = complaint_created()
    event = new_event(data, source="/slrt/intake", subject=data.complaint_id)
    with pytest.raises(InvalidEventError):
        event.payload_as(ReferralDispatched)


def test_payload_violating_its_schema_is_refused() -> None:
    data = ReferralUpdated(
        referral_id=uuid4(),
        complaint_id=uuid4(),
        agency_code="DINSOS",
        status="acknowledged",
        note=None,
        at=NOW,
    )
    event = new_event(data, source="/slrt/agency-gateway", subject=data.complaint_id)
    broken = event.model_copy(update={"data": {**event.data, "status": "teleported"}})
    with pytest.raises(InvalidEventError):
        broken.payload()


def test_unknown_fields_are_ignored_so_producers_can_add_fields() -> None:
    data = complaint_created()
    event = new_event(data, source="/slrt/intake", subject=data.complaint_id)
    extended = event.model_copy(update={"data": {**event.data, "priority": "high"}})
    assert extended.payload_as(ComplaintCreated) == data


def test_an_events_data_is_exactly_the_json_its_payload_encodes_to() -> None:
    # the payload is turned into JSON-ready values once, not encoded and parsed back
    data = complaint_created()
    event = new_event(data, source="/slrt/intake", subject=data.complaint_id, time=NOW)
    assert event.data == json.loads(data.model_dump_json())
    assert json.loads(event.to_bytes())["data"] == json.loads(data.model_dump_json())
