"""Referral's settings (environment variables prefixed REFERRAL_)."""

from pathlib import Path

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from slrt_shared.settings import ServiceSettings

NATIONAL_HOLIDAYS = Path(__file__).parent / "calendars" / "id-national.txt"


class ReferralSettings(ServiceSettings):
    """Settings of the referral service."""

    model_config = SettingsConfigDict(env_prefix="REFERRAL_", extra="ignore")

    http_port: int = 8002
    timezone: str = Field(default="Asia/Jakarta", description="The district's time zone.")
    holidays_file: Path = Field(default=NATIONAL_HOLIDAYS, description="ISO dates, one a line.")
    escalation_interval_seconds: float = Field(default=60.0, gt=0)
