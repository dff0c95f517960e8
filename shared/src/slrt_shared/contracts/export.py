"""Export the event contracts as JSON Schema files and an AsyncAPI document."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from faststream.kafka import KafkaBroker
from faststream.specification import AsyncAPI
from pydantic import create_model

from slrt_shared.contracts import topics
from slrt_shared.contracts.dead_letters import DeadLetter
from slrt_shared.contracts.envelope import CloudEvent, TypedCloudEvent
from slrt_shared.contracts.events import (
    EVENT_DATA_TYPES,
    AgencyReferral,
    AgencyRegistered,
    EventData,
    FacilitatorRegistered,
    GraduationTargetSet,
    RoutingRuleChanged,
)

# Which service publishes each topic (DESIGN.md), for the AsyncAPI document.
PUBLISHERS: dict[str, str] = {
    topics.COMPLAINT_CREATED: "intake",
    topics.COMPLAINT_PII: "intake",
    topics.REFERRAL_DISPATCHED: "referral",
    topics.REFERRAL_ESCALATED: "referral",
    topics.COMPLAINT_CLOSED: "referral",
    topics.REFERRAL_UPDATED: "agency-gateway",
    topics.CASE_RESOLVED: "agency-gateway",
    topics.RANKING_UPDATED: "monitoring",
    AgencyReferral.topic: "agency-gateway",
    topics.DIRECTORY_AGENCIES: "agency-gateway",
    topics.ROUTING_RULES: "referral",
    topics.REFERRAL_CASEWORK: "referral",
    topics.COMPLAINT_REOPENED: "intake",
    topics.COMPLAINT_RATED: "intake",
    topics.COMPLAINT_COMPLETED: "intake",
    topics.PROGRAMME_FACILITATORS: "intake",
    topics.PROGRAMME_TARGETS: "intake",
    topics.PROGRAMME_GRADUATIONS: "intake",
}

# The record key of each event type that is not keyed by the complaint id.
RECORD_KEYS: dict[type[EventData], str] = {
    AgencyRegistered: "the agency code",
    RoutingRuleChanged: (
        "the rule's service code, and `/` and the kecamatan code for an override"
        " (`JKN-PBI`, `JKN-PBI/32.15.02`)"
    ),
    FacilitatorRegistered: "the facilitator's code",
    GraduationTargetSet: "the regency code, `/` and the year (`32.15/2025`)",
}


def envelope_model(data_model: type[EventData]) -> type[CloudEvent]:
    """Build the CloudEvent model whose `data` is the given payload (unique schema name)."""
    name = data_model.__name__ + "Event"
    base: type[CloudEvent] = TypedCloudEvent[data_model]  # type: ignore[valid-type]
    doc = f"CloudEvent of type {data_model.event_type}: {data_model.__doc__}"
    return create_model(name, __base__=base, __doc__=doc)


def json_schemas() -> dict[str, dict[str, Any]]:
    """Return a JSON Schema of each event's full record value, keyed by event type."""
    return {m.event_type: envelope_model(m).model_json_schema() for m in EVENT_DATA_TYPES}


def asyncapi_document() -> dict[str, Any]:
    """Describe every topic and its record schema as an AsyncAPI 3.0 document."""
    broker = KafkaBroker("kafka:9092", description="SLRT platform Kafka cluster")
    documented: set[str] = set()
    for model in EVENT_DATA_TYPES:
        # A second event type on a topic (complaint.pii's erasure) gets a channel of its own
        # with the same address; the first keeps the title it always had.
        title = f"{model.topic}:publish"
        if model.topic in documented:
            title = f"{model.topic}:{model.event_type}:publish"
        documented.add(model.topic)
        broker.publisher(
            model.topic,
            schema=envelope_model(model),
            title=title,
            description=(
                f"Published by {PUBLISHERS[model.topic]}. "
                f"Record key: {RECORD_KEYS.get(model, 'the complaint id')}. "
                f"Value: CloudEvent `{model.event_type}` in structured JSON mode "
                "(content-type: application/cloudevents+json). " + (model.__doc__ or "")
            ),
        )
    headers = (
        "headers dlq-error (what went wrong, without the record's values), dlq-error-type, "
        "dlq-topic, dlq-partition, dlq-offset and dlq-group"
    )
    for topic in topics.EVENT_TOPICS:
        if topics.carries_personal_data(topic):
            broker.publisher(
                topics.dlq(topic),
                schema=DeadLetter,
                title=f"{topics.dlq(topic)}:publish",
                description=(
                    f"Dead letters of {topic}, which carries personal data: no copy of the "
                    "record (neither its value, key nor headers) but its coordinates and the "
                    f"error, as the value (JSON) and as {headers}. Kept no longer than {topic} "
                    "itself; `python -m <service> dlq replay` reads the original from there."
                ),
            )
            continue
        broker.publisher(
            topics.dlq(topic),
            schema=bytes,
            title=f"{topics.dlq(topic)}:publish",
            description=f"Dead letters of {topic}: the original record, with {headers}.",
        )
    spec = AsyncAPI(
        broker,
        title="SLRT platform events",
        version="1.0.0",
        description=(
            "Events of the SLRT-Puskesos referral platform. Topics may carry a deployment "
            "prefix. Consumers must ignore unknown fields and deduplicate on the CloudEvent id."
        ),
        schema_version="3.0.0",
    )
    document: dict[str, Any] = spec.to_specification().to_jsonable()
    return document


def write(out_dir: Path) -> list[Path]:
    """Write the schemas and the AsyncAPI document under a folder; return the files."""
    schema_dir = out_dir / "schemas"
    schema_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for event_type, schema in json_schemas().items():
        path = schema_dir / f"{event_type}.json"
        path.write_text(json.dumps(schema, indent=2, ensure_ascii=False) + "\n")
        written.append(path)
    path = out_dir / "asyncapi.json"
    path.write_text(
        json.dumps(asyncapi_document(), indent=2, ensure_ascii=False, sort_keys=True) + "\n"
    )
    written.append(path)
    return written


def main() -> None:
    """Command line: slrt-contracts [--out docs/contracts]."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=Path("docs/contracts"))
    args = parser.parse_args()
    for path in write(args.out):
        print(path)


if __name__ == "__main__":
    main()
