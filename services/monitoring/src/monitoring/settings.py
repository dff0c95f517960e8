"""Monitoring's settings (environment variables prefixed MONITORING_)."""

from typing import Annotated
from zoneinfo import ZoneInfo

from pydantic import Field, field_validator
from pydantic_settings import NoDecode, SettingsConfigDict

from monitoring.domain.ranking import Policy, Weights
from slrt_shared.settings import ServiceSettings


class MonitoringSettings(ServiceSettings):
    """Settings of the monitoring service."""

    model_config = SettingsConfigDict(env_prefix="MONITORING_", extra="ignore")

    http_port: int = 8004
    regency_codes: Annotated[list[str], NoDecode] = Field(default=["32.15"])
    min_caseload: int = Field(default=5, ge=1, description="Complaints before an area ranks.")
    weight_resolution: float = Field(default=0.5, ge=0)
    weight_sla: float = Field(default=0.3, ge=0)
    weight_registration: float = Field(default=0.2, ge=0)
    # 0: verdicts are voluntary and few, answered by whoever chooses to; shown beside the
    # ranking until a regency decides its residents answer often enough to weigh them.
    weight_satisfaction: float = Field(
        default=0.0, ge=0, description="Weight of the residents' mean rating in the score."
    )
    weight_not_reopened: float = Field(
        default=0.0, ge=0, description="Weight of the share of closed complaints not reopened."
    )
    prior_strength: float = Field(default=5.0, ge=0, description="Pseudo-complaints of shrinkage.")
    flag_below: float = Field(default=50.0, ge=0, le=100)
    ranking_interval_seconds: float = Field(
        default=5.0, gt=0, description="How often a ranking cycle starts."
    )
    national_ranking: bool = Field(
        default=False,
        description="Also rank every served regency's villages and kecamatan together.",
    )
    national_months: int = Field(
        default=12,
        ge=2,
        le=120,
        description="Months whose country-wide ranking is kept stored, the current one included.",
    )
    national_archive_refresh_seconds: float = Field(
        default=3600.0,
        gt=0,
        description="Age at which a stored older month is built again though nothing changed.",
    )
    national_archive_settle_seconds: float = Field(
        default=300.0,
        ge=0,
        description="Age at which a stored older month that changed is built again.",
    )

    timezone: str = Field(
        default="Asia/Jakarta",
        description="The district's time: the month and year a programme's decision counts in.",
    )

    pdf_chromium: str = Field(
        default="chromium",
        description="Name or path of the Chromium that prints the bulletin to PDF ('' for none).",
    )
    pdf_timeout_seconds: float = Field(default=60.0, gt=0)

    def zone(self) -> ZoneInfo:
        """The district's time zone."""
        return ZoneInfo(self.timezone)

    def policy(self) -> Policy:
        """The ranking policy these settings describe."""
        return Policy(
            Weights(
                self.weight_resolution,
                self.weight_sla,
                self.weight_registration,
                self.weight_satisfaction,
                self.weight_not_reopened,
            ),
            self.min_caseload,
            self.prior_strength,
            self.flag_below,
        )

    @field_validator("regency_codes", mode="before")
    @classmethod
    def _split(cls, value: object) -> object:
        return value.split(",") if isinstance(value, str) else value
