"""Kafka ACLs as rendered: each service and agency can touch exactly what DESIGN.md gives it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from slrt_devstack import testing
from slrt_shared import reference
from slrt_shared.contracts.topics import EVENT_TOPICS, agency_topic, dlq

from .conftest import Rendered

pytestmark = pytest.mark.integration

# DESIGN.md, "Services and what each owns".
PUBLISHES = {
    "intake": {
        "complaint.created",
        "complaint.pii",
        "complaint.completed",
        "complaint.reopened",
        "complaint.rated",
        "programme.facilitators",
        "programme.targets",
        "programme.graduations",
    },
    "referral": {
        "referral.dispatched",
        "referral.escalated",
        "complaint.closed",
        "routing.rules",
        "referral.casework",
    },
    "agency-gateway": {"referral.updated", "case.resolved", "directory.agencies"},
    "monitoring": {"ranking.updated"},
}
PACKAGES = testing.SERVICE_PACKAGES


def consumed_by_code(service: str) -> set[str]:
    """The topics a service's code subscribes to."""
    return set(testing.consumed_by_code(service))


def grants(user: dict[str, Any]) -> Iterator[tuple[str, str, str, str]]:
    """(resource type, name, pattern, operation) of every ACL of a KafkaUser."""
    for acl in user["spec"]["authorization"]["acls"]:
        resource = acl["resource"]
        for operation in acl["operations"]:
            yield (
                resource["type"],
                resource.get("name", ""),
                resource.get("patternType", "literal"),
                operation,
            )


def allowed(user: dict[str, Any], operation: str, topic: str) -> bool:
    """Whether the user's ACLs allow an operation on a topic."""
    for kind, name, pattern, op in grants(user):
        if kind != "topic" or op not in (operation, "All"):
            continue
        if (pattern == "literal" and name == topic) or (
            pattern == "prefix" and topic.startswith(name)
        ):
            return True
    return False


def prefix(chart: Rendered) -> str:
    topic = chart.one(
        "KafkaTopic",
        next(
            d["metadata"]["name"]
            for d in chart.kind("KafkaTopic")
            if d["spec"]["topicName"].endswith("complaint.created")
        ),
    )
    return str(topic["spec"]["topicName"]).removesuffix("complaint.created")


def all_topics(chart: Rendered) -> list[str]:
    return [d["spec"]["topicName"] for d in chart.kind("KafkaTopic")]


def test_complaint_pii_is_readable_by_the_agency_gateway_alone(chart: Rendered) -> None:
    pii = prefix(chart) + "complaint.pii"
    for topic in (pii, pii + ".dlq"):
        users = chart.kind("KafkaUser")
        readers = [u["metadata"]["name"] for u in users if allowed(u, "Read", topic)]
        assert readers == ["slrt-agency-gateway"], topic


def test_each_agency_topic_is_readable_by_that_agency_alone(chart: Rendered) -> None:
    agencies = sorted(reference.agencies())
    for code in agencies:
        topic = prefix(chart) + agency_topic(code)
        readers = [
            u["metadata"]["name"] for u in chart.kind("KafkaUser") if allowed(u, "Read", topic)
        ]
        assert readers == [f"agency-{code.lower()}"], (code, readers)
        writers = [
            u["metadata"]["name"] for u in chart.kind("KafkaUser") if allowed(u, "Write", topic)
        ]
        assert writers == ["slrt-agency-gateway"], (code, writers)


def test_an_agency_can_read_nothing_but_its_own_topic(chart: Rendered) -> None:
    for user in chart.kind("KafkaUser"):
        code = user["metadata"]["labels"].get("slrt/agency")
        if code is None:
            continue
        readable = [t for t in all_topics(chart) if allowed(user, "Read", t)]
        assert readable == [prefix(chart) + agency_topic(code)]
        assert not [t for t in all_topics(chart) if allowed(user, "Write", t)]
        groups = [g for g in grants(user) if g[0] == "group"]
        assert groups and all(g[1] == f"{prefix(chart)}agency.{code}." for g in groups)


@pytest.mark.parametrize("service", sorted(PUBLISHES))
def test_a_service_reads_what_its_code_consumes_and_writes_what_it_publishes(
    chart: Rendered, service: str
) -> None:
    user = chart.one("KafkaUser", f"slrt-{service}")
    p = prefix(chart)
    event_topics = [p + t for t in EVENT_TOPICS]
    consumed = consumed_by_code(service)
    assert {t.removeprefix(p) for t in event_topics if allowed(user, "Read", t)} == consumed
    assert {t.removeprefix(p) for t in event_topics if allowed(user, "Write", t)} == (
        PUBLISHES[service]
    )
    for topic in consumed:
        assert allowed(user, "Write", p + dlq(topic)), f"{service} cannot dead-letter {topic}"
        # for its `dlq list` and `dlq replay` commands
        assert allowed(user, "Read", p + dlq(topic)), f"{service} cannot list {dlq(topic)}"
    assert ("group", f"{p}slrt-{service}", "literal", "Read") in set(grants(user))


def test_every_contract_topic_exists_replicated_and_with_min_insync_replicas(
    chart: Rendered,
) -> None:
    p = prefix(chart)
    topics = {d["spec"]["topicName"]: d["spec"] for d in chart.kind("KafkaTopic")}
    consumed = set().union(*(consumed_by_code(s) for s in PACKAGES))
    expected = (
        {p + t for t in EVENT_TOPICS}
        | {p + dlq(t) for t in consumed}
        | {p + agency_topic(a) for a in reference.agencies()}
    )
    assert set(topics) == expected
    for name, spec in topics.items():
        assert spec["replicas"] == 3, name
        assert spec["config"]["min.insync.replicas"] == 2, name
    assert topics[p + "complaint.created"]["config"]["retention.ms"] == -1
    assert 0 < topics[p + "complaint.pii"]["config"]["retention.ms"] <= 31 * 24 * 3600 * 1000


def test_the_only_kafka_listener_requires_tls_and_scram(chart: Rendered) -> None:
    (kafka,) = chart.kind("Kafka")
    listeners = kafka["spec"]["kafka"]["listeners"]
    assert all(lst["tls"] and lst["authentication"]["type"] == "scram-sha-512" for lst in listeners)
    assert kafka["spec"]["kafka"]["authorization"]["type"] == "simple"
    assert kafka["spec"]["kafka"]["config"]["auto.create.topics.enable"] is False
