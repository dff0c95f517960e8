"""The dead letter of a personal-data topic: where the failed record is, and why it failed."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

# Headers every dead letter carries, whatever its topic.
ERROR = "dlq-error"
ERROR_TYPE = "dlq-error-type"
TOPIC = "dlq-topic"
PARTITION = "dlq-partition"
OFFSET = "dlq-offset"
GROUP = "dlq-group"


class DeadLetter(BaseModel):
    """Record value of a dead letter of a personal-data topic (no copy of the original record).

    The original stays on its own topic, kept no longer than that topic keeps it; `python -m
    <service> dlq replay` reads it from these coordinates once the cause is fixed.
    """

    model_config = ConfigDict(frozen=True)

    topic: str = Field(
        description="Topic of the original record, with its deployment prefix.",
        examples=["complaint.pii"],
    )
    partition: int = Field(description="Partition of the original record.", ge=0)
    offset: int = Field(description="Offset of the original record.", ge=0)
    group: str = Field(description="Consumer group that failed to process it.")
    error_type: str = Field(description="Class of the error.", examples=["InvalidEventError"])
    error: str = Field(
        description="What went wrong, without any value of the record.",
        examples=["id.slrt.complaint.pii.v1: complaint_id: Field required"],
    )
    record_time: datetime | None = Field(description="Timestamp of the original record.")
    dead_lettered_at: datetime = Field(description="When the record was dead-lettered.")

    def to_bytes(self) -> bytes:
        """Serialise as the dead letter's record value (JSON)."""
        return self.model_dump_json().encode()
