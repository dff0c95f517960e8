"""Intake's settings (environment variables prefixed INTAKE_)."""

from typing import Annotated

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import NoDecode, SettingsConfigDict

from slrt_shared.settings import ServiceSettings


class IntakeSettings(ServiceSettings):
    """Settings of the intake service."""

    model_config = SettingsConfigDict(env_prefix="INTAKE_", extra="ignore")

    http_port: int = 8001
    regency_codes: Annotated[list[str], NoDecode] = Field(
        default=["32.15"], description="Regencies served."
    )
    max_body_bytes: int = 64 * 1024
    rate_limit_per_minute: int = Field(
        default=120,
        ge=0,
        description="Requests per operator token per minute, across replicas; 0 disables.",
    )
    reference_cache_seconds: float = Field(
        default=5,
        ge=0,
        description="How long a replica keeps an operator's token and the catalogue in memory; "
        "a change announced by Postgres drops them at once, so this bounds a revocation only "
        "when the notification is lost. 0 reads them per request.",
    )
    idempotency_retention_days: float = Field(
        default=90,
        gt=0,
        description="How long an Idempotency-Key or device client id is remembered: longer "
        "than any device stays offline (villages without internet may sync weeks later).",
    )
    personal_data_retention_days: float = Field(
        default=730,
        gt=0,
        description="How long a resident's personal data is kept after their complaint's case "
        "closed; then it is erased and only the case record stays.",
    )
    resident_code_key: SecretStr = Field(
        default=SecretStr(""),
        description="Secret of the keyed hash (HMAC-SHA256) under which a complaint keeps its "
        "resident's code; without it registration issues no code (resident_code: null).",
    )
    reopen_days_without_calendar: int = Field(
        default=14,
        ge=1,
        description="Days after closing a complaint may be reopened when its closing came"
        " without `reopen_until` (events from before the field); otherwise referral's count"
        " of working days on the district calendar (REFERRAL_REOPEN_WORKING_DAYS) decides.",
    )
    subject_hash_key: SecretStr = Field(
        default=SecretStr(""),
        description="Secret of the keyed hash (HMAC-SHA256) under which access and erasure "
        "requests record the NIK; without it such requests are refused.",
    )

    @field_validator("regency_codes", mode="before")
    @classmethod
    def _split(cls, value: object) -> object:
        return value.split(",") if isinstance(value, str) else value
