"""Referral's settings (environment variables prefixed REFERRAL_)."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, field_validator
from pydantic_settings import SettingsConfigDict

from referral.domain.holidays import (
    WARN_DAYS,
    CompleteYear,
    Holiday,
    parse_decree_file,
    parse_holiday_file,
)
from slrt_shared.settings import ServiceSettings

CALENDARS = Path(__file__).parent / "calendars"
NATIONAL_HOLIDAYS = CALENDARS / "id-national.csv"
NATIONAL_DECREES = CALENDARS / "id-national.decrees.csv"


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
        description="Holidays `seed` loads into the stored calendar, once per date (a date the"
        " district changed stays as it is): CSV `date,kind,name,source`, or ISO dates one a"
        " line. None loads none.",
    )
    decrees_file: Path | None = Field(
        default=NATIONAL_DECREES,
        description="Years `seed` marks complete, once per year: CSV `year,decree`.",
    )
    cuti_bersama_are_days_off: bool = Field(
        default=False,
        description="Whether SLAs skip cuti bersama as they skip national holidays. By default"
        " they count as working days: public services stay open on them.",
    )
    calendar_warning_days: int = Field(
        default=WARN_DAYS,
        ge=1,
        description="Warn when fewer days than this remain before the complete calendar ends.",
    )
    calendar_check_interval_seconds: float = Field(
        default=300.0, gt=0, description="How often the calendar's status is checked."
    )
    escalation_interval_seconds: float = Field(default=60.0, gt=0)
    reopen_working_days: int = Field(
        default=10,
        ge=1,
        description="Working days after the day a case closes during which the resident or the"
        " operator may reopen it: complaint.closed carries the end of them as `reopen_until`.",
    )

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @property
    def tz(self) -> ZoneInfo:
        """The district's time zone."""
        return ZoneInfo(self.timezone)

    def bundled_holidays(self) -> list[Holiday]:
        """The entries of the configured holiday file (none without one)."""
        if self.holidays_file is None:
            return []
        text = self.holidays_file.read_text(encoding="utf-8")
        return parse_holiday_file(text, default_source=f"file {self.holidays_file.name}")

    def bundled_decrees(self) -> list[CompleteYear]:
        """The complete years of the configured decree file (none without one)."""
        if self.decrees_file is None:
            return []
        return parse_decree_file(self.decrees_file.read_text(encoding="utf-8"))
