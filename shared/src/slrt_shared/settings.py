"""Settings every service has; each service subclasses with its own prefix and fields."""

from __future__ import annotations

import os
from typing import Any

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# Read when a service's own prefixed variable is absent, so one stack.env serves all services.
_SHARED_ENV = {
    "kafka_bootstrap_servers": "KAFKA_BOOTSTRAP_SERVERS",
    "topic_prefix": "SLRT_TOPIC_PREFIX",
    "otlp_endpoint": "OTEL_EXPORTER_OTLP_ENDPOINT",
    "admin_token": "SLRT_ADMIN_TOKEN",
    "reference_data": "SLRT_REFERENCE_DATA",
}


class ServiceSettings(BaseSettings):
    """Connection, HTTP and telemetry settings of a service."""

    model_config = SettingsConfigDict(extra="ignore")

    database_url: str = Field(description="DSN of the service's own role (its schema only).")
    kafka_bootstrap_servers: str = Field(default="127.0.0.1:9092")
    topic_prefix: str = Field(default="", description="Prefix of every topic name, if shared.")
    http_host: str = "127.0.0.1"
    http_port: int = 8000
    otlp_endpoint: str | None = Field(default=None, description="OTLP/HTTP collector, if any.")
    log_level: str = "INFO"
    log_json: bool = True
    consumer_max_attempts: int = Field(default=3, ge=1, le=20)
    admin_token: str | None = Field(default=None, description="Token of the platform admin.")
    reference_data: str | None = Field(default=None, description="Folder of reference CSVs.")

    @model_validator(mode="before")
    @classmethod
    def _fill_from_shared_env(cls, values: Any) -> Any:
        if isinstance(values, dict):
            for field, env in _SHARED_ENV.items():
                if values.get(field) is None and env in os.environ:
                    values[field] = os.environ[env]
        return values
