"""Agency gateway's settings (environment variables prefixed GATEWAY_)."""

from typing import Self

from pydantic import Field, model_validator
from pydantic_settings import SettingsConfigDict

from slrt_shared.settings import ServiceSettings


class GatewaySettings(ServiceSettings):
    """Settings of the agency gateway."""

    model_config = SettingsConfigDict(env_prefix="GATEWAY_", extra="ignore")

    http_port: int = 8003
    webhook_max_attempts: int = Field(default=10, ge=1, le=30)
    webhook_backoff_seconds: float = Field(default=30.0, gt=0, description="First retry wait.")
    webhook_timeout_seconds: float = Field(default=10.0, gt=0)
    webhook_poll_seconds: float = Field(default=1.0, gt=0)
    # The topic `agencies register` creates for a new agency; the chart sets its own values.
    agency_topic_partitions: int = Field(default=6, ge=1, description="Partitions of the topic.")
    agency_topic_replicas: int = Field(default=1, ge=1, description="Replication factor.")
    agency_topic_min_insync_replicas: int = Field(
        default=1, ge=1, description="Replicas that must have a record before it is acknowledged."
    )
    agency_topic_retention_ms: int | None = Field(
        default=None, ge=-1, description="How long records stay (the broker's default if unset)."
    )

    @model_validator(mode="after")
    def _min_insync_within_replicas(self) -> Self:
        if self.agency_topic_min_insync_replicas > self.agency_topic_replicas:
            raise ValueError("agency_topic_min_insync_replicas exceeds agency_topic_replicas")
        return self
