import json
import uuid

import pytest

from slrt_shared.contracts.envelope import InvalidEventError, decode
from slrt_shared.contracts.events import ComplaintPii

NIK = "3215254507810006"


def test_a_broken_personal_data_event_is_described_without_its_values() -> None:
    record = {
        "specversion": "1.0",
        "id": str(uuid.uuid4()),
        "source": "/slrt/intake",
        "type": "id.slrt.complaint.pii.v1",
        "time": "2025-06-26T02:15:00Z",
        "subject": str(uuid.uuid4()),
        "datacontenttype": "application/json",
        "data": {"nik": NIK, "name": "Cucu Sumiati", "phone": 81299990001},
    }
    with pytest.raises(InvalidEventError) as raised:
        decode(json.dumps(record)).payload()
    message = str(raised.value)
    assert "complaint_id" in message
    assert NIK not in message and "Cucu" not in message and "81299990001" not in message


def test_a_record_that_is_no_event_is_described_without_its_values() -> None:
    with pytest.raises(InvalidEventError) as raised:
        decode(json.dumps({"nik": NIK, "name": "Cucu Sumiati"}))
    assert "subject: Field required" in str(raised.value)
    assert NIK not in str(raised.value) and "Cucu" not in str(raised.value)


def test_an_event_of_an_unknown_type_is_described_without_quoting_the_type() -> None:
    record = {
        "specversion": "1.0",
        "id": str(uuid.uuid4()),
        "source": "/slrt/intake",
        "type": f"nik {NIK}",
        "time": "2025-06-26T02:15:00Z",
        "subject": str(uuid.uuid4()),
        "datacontenttype": "application/json",
        "data": {},
    }
    event = decode(json.dumps(record))
    for parse in (event.payload, lambda: event.payload_as(ComplaintPii)):
        with pytest.raises(InvalidEventError) as raised:
            parse()
        assert NIK not in str(raised.value)
