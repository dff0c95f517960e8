"""Referral's settings (environment variables prefixed REFERRAL_)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, field_validator
from pydantic_settings import SettingsConfigDict

from referral.domain.sla import WorkingCalendar, parse_holidays
from slrt_shared.settings import ServiceSettings

NATIONAL_HOLIDAYS = Path(__file__).parent / "calendars" / "id-national.txt"


class ReferralSettings(ServiceSettings):
    """Settings of the referral service."""

    model_config = SettingsConfigDict(env_prefix="REFERRAL_", extra="ignore")

    http_port: int = 8002
    timezone: str = Field(
        default="Asia/Jakarta",
        description="The district's IANA time zone: SLA days begin and end in it.",
    )
    holidays_file: Path | None = Field(
        default=NATIONAL_HOLIDAYS,
        description="Holidays kept by the district: ISO dates one a line, '#' comments. "
        "None counts weekends only.",
    )
    escalation_interval_seconds: float = Field(default=60.0, gt=0)

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    def holidays(self) -> frozenset[date]:
        """The holidays of the configured file (none without one)."""
        if self.holidays_file is None:
            return frozenset()
        return parse_holidays(self.holidays_file.read_text(encoding="utf-8"))

    def calendar(self) -> WorkingCalendar:
        """The district's working-day calendar."""
        return WorkingCalendar(self.holidays(), ZoneInfo(self.timezone))
