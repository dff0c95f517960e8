"""The chart leaves the webhook URL rule whole: no http, no loopback receivers in a cluster."""

from __future__ import annotations

import pytest

from gateway.domain.webhook_urls import UrlPolicy
from gateway.settings import GatewaySettings

from .conftest import Rendered

pytestmark = pytest.mark.integration


def test_the_chart_sets_neither_local_development_relaxation(chart: Rendered) -> None:
    # Whether in a ConfigMap, a Secret or a container's env: not anywhere in the manifests.
    assert "WEBHOOK_ALLOW" not in chart.manifest.upper()
    (config,) = [
        c
        for c in chart.kind("ConfigMap")
        if c["metadata"].get("labels", {}).get("app.kubernetes.io/component") == "agency-gateway"
    ]
    settings = GatewaySettings.model_validate(
        {k.removeprefix("GATEWAY_").lower(): v for k, v in config["data"].items()}
        | {"database_url": "postgresql://gateway@db/slrt"}
    )
    assert settings.webhook_url_policy == UrlPolicy(allow_http=False, allow_loopback=False)
