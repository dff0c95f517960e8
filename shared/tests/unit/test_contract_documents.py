import json
from pathlib import Path
from uuid import uuid4

import jsonschema

from slrt_shared.contracts import topics
from slrt_shared.contracts.envelope import new_event
from slrt_shared.contracts.events import EVENT_DATA_TYPES, ComplaintClosed, ReferralOutcome
from slrt_shared.contracts.export import asyncapi_document, json_schemas

DOCS = Path(__file__).resolve().parents[3] / "docs" / "contracts"


def test_committed_json_schemas_match_the_models() -> None:
    for event_type, schema in json_schemas().items():
        committed = json.loads((DOCS / "schemas" / f"{event_type}.json").read_text())
        assert committed == schema, f"run `make contracts`: {event_type} schema is stale"


def test_committed_asyncapi_document_matches_the_models() -> None:
    committed = json.loads((DOCS / "asyncapi.json").read_text())
    assert committed == asyncapi_document(), "run `make contracts`: asyncapi.json is stale"


def test_asyncapi_documents_every_contract_topic_and_its_dead_letters() -> None:
    addresses = {c["address"] for c in asyncapi_document()["channels"].values()}
    for topic in topics.EVENT_TOPICS:
        assert topic in addresses
        assert topics.dlq(topic) in addresses
    assert "agency.{agency_code}.referrals" in addresses


def test_every_event_type_has_a_schema() -> None:
    assert set(json_schemas()) == {m.event_type for m in EVENT_DATA_TYPES}


def test_a_real_event_validates_against_its_published_schema() -> None:
    complaint_id = uuid4()
    data = ComplaintClosed(
        complaint_id=complaint_id,
        ticket="SLRT-K7M2-9QXA",
        village_code="32.15.02.2001",
        closed_at="2025-07-01T03:00:00Z",
        outcomes=[
            ReferralOutcome(
                referral_id=uuid4(),
                service_code="JKN-PBI",
                agency_code="DINSOS",
                outcome="resolved",
            )
        ],
    )
    record = json.loads(new_event(data, source="/slrt/referral", subject=complaint_id).to_bytes())
    schema = json_schemas()["id.slrt.complaint.closed.v1"]
    jsonschema.validate(record, schema)
    record["data"]["outcomes"][0]["outcome"] = "forgotten"
    try:
        jsonschema.validate(record, schema)
    except jsonschema.ValidationError:
        return
    raise AssertionError("an invalid outcome passed the schema")
