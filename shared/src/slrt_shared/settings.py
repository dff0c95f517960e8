"""Settings every service has; each service subclasses with its own prefix and fields."""

from __future__ import annotations

import os
from typing import Any, Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from slrt_shared.request_guard import DEFAULT_MAX_BODY

# Read when a service's own prefixed variable is absent, so one stack.env serves all services.
_SHARED_ENV = {
    "kafka_bootstrap_servers": "KAFKA_BOOTSTRAP_SERVERS",
    "topic_prefix": "SLRT_TOPIC_PREFIX",
    "otlp_endpoint": "OTEL_EXPORTER_OTLP_ENDPOINT",
    "admin_token": "SLRT_ADMIN_TOKEN",
    "kafka_security_protocol": "KAFKA_SECURITY_PROTOCOL",
    "kafka_sasl_mechanism": "KAFKA_SASL_MECHANISM",
    "kafka_sasl_username": "KAFKA_SASL_USERNAME",
    "kafka_sasl_password": "KAFKA_SASL_PASSWORD",
    "kafka_ssl_cafile": "KAFKA_SSL_CAFILE",
}


class ServiceSettings(BaseSettings):
    """Connection, HTTP and telemetry settings of a service."""

    model_config = SettingsConfigDict(extra="ignore")

    database_url: str = Field(description="DSN of the service's own role (its schema only).")
    kafka_bootstrap_servers: str = Field(default="127.0.0.1:9092")
    topic_prefix: str = Field(default="", description="Prefix of every topic name, if shared.")
    kafka_security_protocol: Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"] = Field(
        default="PLAINTEXT", description="PLAINTEXT locally; SASL_SSL against Strimzi."
    )
    kafka_sasl_mechanism: Literal["SCRAM-SHA-512", "SCRAM-SHA-256", "PLAIN"] = "SCRAM-SHA-512"
    kafka_sasl_username: str | None = Field(default=None, description="The service's KafkaUser.")
    kafka_sasl_password: SecretStr | None = None
    kafka_ssl_cafile: str | None = Field(default=None, description="CA of the Kafka listener.")
    http_host: str = "127.0.0.1"
    http_port: int = 8000
    max_body_bytes: int = Field(
        default=DEFAULT_MAX_BODY, gt=0, description="Largest request body the service accepts."
    )
    otlp_endpoint: str | None = Field(default=None, description="OTLP/HTTP collector, if any.")
    log_level: str = "INFO"
    log_json: bool = True
    consumer_max_attempts: int = Field(
        default=3, ge=1, le=20, description="Tries of a record failing unexpectedly (a bug)."
    )
    consumer_backoff_initial_seconds: float = Field(
        default=0.1, gt=0, description="First wait before a transiently failed record is retried."
    )
    consumer_backoff_max_seconds: float = Field(
        default=30, gt=0, description="Longest wait between two tries of a transient failure."
    )
    consumer_batch_max: int = Field(
        default=100,
        ge=1,
        le=1000,
        description="Most records of a partition handled in one transaction (1: one each).",
    )
    inbox_retention_days: float = Field(
        default=90,
        gt=0,
        description="How long processed event ids are remembered; longer than any redelivery.",
    )
    retention_interval_seconds: float = Field(
        default=3600, gt=0, description="Pause between two retention passes."
    )
    outbox_ack_timeout_seconds: float = Field(
        default=10.0,
        gt=0,
        description="How long the outbox relay waits for the broker to take and acknowledge"
        " a record before it parks the record for a later try.",
    )
    outbox_retry_first_seconds: float = Field(
        default=1.0, gt=0, description="Wait before the first retry of a parked outbox event."
    )
    outbox_retry_max_seconds: float = Field(
        default=300.0, gt=0, description="Longest wait between two tries of a parked event."
    )
    admin_token: str | None = Field(default=None, description="Token of the platform admin.")

    @model_validator(mode="before")
    @classmethod
    def _fill_from_shared_env(cls, values: Any) -> Any:
        if isinstance(values, dict):
            for field, env in _SHARED_ENV.items():
                if values.get(field) is None and env in os.environ:
                    values[field] = os.environ[env]
        return values
