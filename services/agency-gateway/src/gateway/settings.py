"""Agency gateway's settings (environment variables prefixed GATEWAY_)."""

from typing import Self

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import SettingsConfigDict

from gateway.domain.webhook_urls import UrlPolicy
from slrt_shared.settings import ServiceSettings


class GatewaySettings(ServiceSettings):
    """Settings of the agency gateway."""

    model_config = SettingsConfigDict(env_prefix="GATEWAY_", extra="ignore")

    http_port: int = 8003
    subject_hash_key: SecretStr = Field(
        default=SecretStr(""),
        description="Secret of the keyed hash (HMAC-SHA256) under which exports by NIK record "
        "the NIK; without it such exports are refused.",
    )
    webhook_max_attempts: int = Field(default=10, ge=1, le=30)
    webhook_backoff_seconds: float = Field(default=30.0, gt=0, description="First retry wait.")
    webhook_timeout_seconds: float = Field(
        default=10.0, gt=0, description="Longest wait for a receiver's answer, all told."
    )
    webhook_poll_seconds: float = Field(default=1.0, gt=0)
    webhook_allow_http: bool = Field(
        default=False, description="Accept plain http:// webhook URLs: local development only."
    )
    webhook_allow_loopback: bool = Field(
        default=False,
        description="Accept webhook receivers on loopback (127.0.0.0/8, ::1, localhost):"
        " local development and tests only.",
    )
    webhook_lease_seconds: float = Field(
        default=60.0,
        gt=0,
        description="How long a claimed delivery is kept from other replicas; above the timeout.",
    )
    webhook_max_in_flight_per_agency: int = Field(
        default=4, ge=1, le=100, description="Deliveries in flight to one agency, all replicas."
    )
    webhook_max_in_flight: int = Field(
        default=64, ge=1, le=1000, description="Deliveries in flight from one replica."
    )
    webhook_payload_retention_days: float = Field(
        default=7, gt=0, description="Days after delivery before a payload is purged."
    )
    webhook_parked_payload_retention_days: float = Field(
        default=30, gt=0, description="Days after parking before a payload is purged."
    )
    agency_key_cache_seconds: float = Field(
        default=10.0,
        ge=0,
        description="How long a replica keeps the agency of a key it has seen; any change to the"
        " keys (a rotation, a revocation) drops it on every replica at once.",
    )
    action_request_retention_days: float = Field(
        default=30,
        ge=1,
        description="Days an action's idempotency key is remembered; longer than any retry.",
    )
    # The topic `agencies register` creates for a new agency; the chart sets its own values.
    agency_topic_partitions: int = Field(default=6, ge=1, description="Partitions of the topic.")
    agency_topic_replicas: int = Field(default=1, ge=1, description="Replication factor.")
    agency_topic_min_insync_replicas: int = Field(
        default=1, ge=1, description="Replicas that must have a record before it is acknowledged."
    )
    agency_topic_retention_ms: int | None = Field(
        default=None, ge=-1, description="How long records stay (the broker's default if unset)."
    )

    @property
    def webhook_url_policy(self) -> UrlPolicy:
        """What the webhook URL rule relaxes on this gateway (nothing unless set)."""
        return UrlPolicy(self.webhook_allow_http, self.webhook_allow_loopback)

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.webhook_lease_seconds <= self.webhook_timeout_seconds:
            raise ValueError("webhook_lease_seconds must exceed webhook_timeout_seconds")
        if self.agency_topic_min_insync_replicas > self.agency_topic_replicas:
            raise ValueError("agency_topic_min_insync_replicas exceeds agency_topic_replicas")
        return self
