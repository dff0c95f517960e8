"""A personal-data topic's dead letters are kept no longer than the records they point to."""

from __future__ import annotations

import pytest

from slrt_devstack.chart import check
from slrt_shared import reference
from slrt_shared.contracts import topics
from slrt_shared.contracts.topics import TopicLayout, dlq

from .conftest import CHART, Rendered

pytestmark = pytest.mark.integration


def retention_of(chart: Rendered) -> dict[str, int]:
    """Each topic's retention.ms by its name without the deployment prefix."""
    (prefix,) = {d["spec"]["topicName"].split("complaint.")[0] for d in pii_topics(chart)}
    return {
        d["spec"]["topicName"].removeprefix(prefix): int(d["spec"]["config"]["retention.ms"])
        for d in chart.kind("KafkaTopic")
    }


def pii_topics(chart: Rendered) -> list[dict]:  # type: ignore[type-arg]
    return [d for d in chart.kind("KafkaTopic") if "complaint.pii" in d["spec"]["topicName"]]


def kept_no_longer(retention: int, source: int) -> bool:
    """-1 is forever: only a source kept forever allows dead letters kept forever."""
    return source < 0 or 0 <= retention <= source


def test_a_personal_topics_dead_letters_are_kept_no_longer_than_the_topic(
    chart: Rendered,
) -> None:
    kept = retention_of(chart)
    for topic in topics.PERSONAL_DATA_TOPICS:
        assert kept_no_longer(kept[dlq(topic)], kept[topic]), (topic, kept[dlq(topic)])
    # The dead letters of the other topics keep their own, longer retention for the operators.
    assert kept["complaint.created.dlq"] == 90 * 24 * 3600 * 1000


@pytest.mark.parametrize("configured", ["-1", "31536000000"])
def test_a_longer_or_unlimited_dead_letter_retention_is_cut_to_the_personal_topics(
    configured: str,
) -> None:
    def render(dlq_retention: str) -> dict[str, int]:
        overrides = {"kafka.topics.dlqRetentionMs": dlq_retention}
        return retention_of(Rendered(check.render(CHART, [], overrides)))

    kept = render(configured)
    assert kept["complaint.pii.dlq"] == kept["complaint.pii"] == 30 * 24 * 3600 * 1000
    assert kept["complaint.created.dlq"] == int(configured)
    # A shorter one applies to every dead-letter topic alike.
    assert render("86400000")["complaint.pii.dlq"] == 86400000


def test_the_local_stack_creates_each_topic_with_the_charts_default_retention(
    default_chart: Rendered,
) -> None:
    local = {
        spec.name: spec.retention_ms
        for spec in TopicLayout().all_topics(list(reference.agencies()))
    }
    charted = retention_of(default_chart)
    # The chart has dead-letter topics only of what some service consumes.
    assert charted == {name: local[name] for name in charted}
