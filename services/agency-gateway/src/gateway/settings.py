"""Agency gateway's settings (environment variables prefixed GATEWAY_)."""

from pydantic_settings import SettingsConfigDict

from slrt_shared.settings import ServiceSettings


class GatewaySettings(ServiceSettings):
    """Settings of the agency gateway."""

    model_config = SettingsConfigDict(env_prefix="GATEWAY_", extra="ignore")

    http_port: int = 8003
