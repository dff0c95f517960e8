"""Monitoring's settings (environment variables prefixed MONITORING_)."""

from typing import Annotated

from pydantic import Field, field_validator
from pydantic_settings import NoDecode, SettingsConfigDict

from slrt_shared.settings import ServiceSettings


class MonitoringSettings(ServiceSettings):
    """Settings of the monitoring service."""

    model_config = SettingsConfigDict(env_prefix="MONITORING_", extra="ignore")

    http_port: int = 8004
    regency_codes: Annotated[list[str], NoDecode] = Field(default=["32.15"])
    min_caseload: int = Field(default=5, ge=1, description="Complaints before a village ranks.")

    @field_validator("regency_codes", mode="before")
    @classmethod
    def _split(cls, value: object) -> object:
        return value.split(",") if isinstance(value, str) else value
