"""Agency gateway's settings (environment variables prefixed GATEWAY_)."""

from pydantic import Field
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
