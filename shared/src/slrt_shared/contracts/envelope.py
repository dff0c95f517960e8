"""CloudEvents 1.0 envelope in structured JSON mode, as every SLRT record value carries it."""

from __future__ import annotations

import builtins
from datetime import datetime
from typing import Any, Generic, Literal, TypeVar
from uuid import UUID, uuid4

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from slrt_shared import clock
from slrt_shared.contracts.events import BY_EVENT_TYPE, EventData

CONTENT_TYPE = "application/cloudevents+json"
SPEC_VERSION = "1.0"

D = TypeVar("D", bound=EventData)


def problems(exc: ValidationError) -> str:
    """What is wrong with a record, by field, without its values.

    Pydantic's own message quotes the input, which on complaint.pii is a resident's personal
    data; this text goes to logs and dead-letter headers.
    """
    return "; ".join(
        f"{'.'.join(str(p) for p in e['loc']) or '(record)'}: {e['msg']}"
        for e in exc.errors(include_input=False, include_url=False)
    )


class InvalidEventError(ValueError):
    """A record that is not a well-formed SLRT CloudEvent; it can never be processed."""


class CloudEvent(BaseModel):
    """A CloudEvents 1.0 event whose `data` is still plain JSON."""

    model_config = ConfigDict(extra="allow", frozen=True)

    specversion: Literal["1.0"] = Field(default="1.0", description="CloudEvents version.")
    id: UUID = Field(description="Unique event id; consumers deduplicate on it.")
    source: str = Field(
        pattern=r"^/slrt/[a-z-]+$", description="Producing service.", examples=["/slrt/intake"]
    )
    type: str = Field(description="Event type.", examples=["id.slrt.complaint.created.v1"])
    time: datetime = Field(description="When the event happened.")
    subject: str = Field(
        description="The record key: the complaint id (on directory.agencies the agency code,"
        " on routing.rules the rule's service code and kecamatan)."
    )
    datacontenttype: Literal["application/json"] = "application/json"
    data: dict[str, Any] = Field(description="The event payload.")

    @property
    def key(self) -> bytes:
        """Return the Kafka record key: the subject (mostly the complaint id)."""
        return self.subject.encode()

    def payload(self) -> EventData:
        """Parse `data` into the payload model of this event's type."""
        model = BY_EVENT_TYPE.get(self.type)
        if model is None:
            raise InvalidEventError("unknown event type")  # which one is the record's content
        try:
            return model.model_validate(self.data)
        except ValidationError as exc:
            raise InvalidEventError(f"{self.type}: {problems(exc)}") from exc

    def payload_as(self, model: builtins.type[D]) -> D:
        """Parse `data` as the given payload model, refusing an event of another type."""
        if self.type != model.event_type:
            # a known type is the contract's word; any other is the record's content
            got = self.type if self.type in BY_EVENT_TYPE else "an unknown type"
            raise InvalidEventError(f"expected {model.event_type}, got {got}")
        try:
            return model.model_validate(self.data)
        except ValidationError as exc:
            raise InvalidEventError(f"{self.type}: {problems(exc)}") from exc

    def to_bytes(self) -> bytes:
        """Serialise as a structured-mode CloudEvent (the record value)."""
        return self.model_dump_json(exclude_none=False).encode()


class TypedCloudEvent(CloudEvent, Generic[D]):
    """A CloudEvent with typed `data`; used to document each topic's records."""

    data: D  # type: ignore[assignment]


def new_event(
    data: EventData,
    *,
    source: str,
    subject: str | UUID,
    time: datetime | None = None,
    event_id: UUID | None = None,
) -> CloudEvent:
    """Wrap an event payload in a CloudEvent."""
    return CloudEvent(
        id=event_id or uuid4(),
        source=source,
        type=data.event_type,
        time=time or clock.now(),  # the domain's time: a demo's replay shifts it
        subject=str(subject),
        data=data.model_dump(mode="json"),  # JSON-ready values, encoded once by to_bytes
    )


def decode(value: bytes | str | None) -> CloudEvent:
    """Parse a record value into a CloudEvent, or raise InvalidEventError."""
    if value is None:
        raise InvalidEventError("empty record value")
    try:
        return CloudEvent.model_validate_json(value)
    except ValidationError as exc:
        raise InvalidEventError(f"not a valid SLRT CloudEvent: {problems(exc)}") from exc
