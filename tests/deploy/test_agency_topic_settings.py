"""A topic `gateway agencies register` creates at run time is made like the chart's own."""

from __future__ import annotations

import pytest

from gateway.settings import GatewaySettings

from .conftest import Rendered

pytestmark = pytest.mark.integration


def test_the_gateway_creates_agency_topics_with_the_charts_replication(chart: Rendered) -> None:
    (config,) = [
        c
        for c in chart.kind("ConfigMap")
        if c["metadata"].get("labels", {}).get("app.kubernetes.io/component") == "agency-gateway"
    ]
    agency_topics = [
        t for t in chart.kind("KafkaTopic") if t["spec"]["topicName"].endswith(".referrals")
    ]
    assert agency_topics
    spec = agency_topics[0]["spec"]
    # The pod's settings, read as the command reads them.
    settings = GatewaySettings.model_validate(
        {k.removeprefix("GATEWAY_").lower(): v for k, v in config["data"].items()}
        | {"database_url": "postgresql://gateway@db/slrt"}
    )
    assert settings.agency_topic_partitions == spec["partitions"]
    assert settings.agency_topic_replicas == spec["replicas"] == 3
    assert settings.agency_topic_min_insync_replicas == spec["config"]["min.insync.replicas"] == 2
    assert settings.agency_topic_retention_ms == spec["config"]["retention.ms"]
