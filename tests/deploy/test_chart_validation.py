"""The chart lints, and every rendered resource is valid against Kubernetes and CRD schemas."""

from __future__ import annotations

import pytest

from slrt_devstack.chart import check
from slrt_devstack.errors import StackError

from .conftest import CHART, PRODUCTION, ROOT, Rendered

pytestmark = pytest.mark.integration


@pytest.mark.parametrize("values", [[], [PRODUCTION]], ids=["default", "production"])
def test_helm_lint_passes_strictly(values: list) -> None:
    check.lint(CHART, values)


def test_every_resource_is_valid_against_kubernetes_strimzi_and_cloudnativepg_schemas(
    chart: Rendered,
) -> None:
    result = check.validate(ROOT, chart.manifest)
    assert len(result.resources) == len(chart.docs)
    assert result.problems == []
    kinds = {d["kind"] for d in chart.docs}
    assert {"Kafka", "KafkaNodePool", "KafkaTopic", "KafkaUser", "Cluster", "Database"} <= kinds


@pytest.mark.parametrize(
    ("old", "new", "kind"),
    [
        (
            "          args: [serve]",
            "          args: [serve]\n          argz: [serve]",
            "Deployment",
        ),
        ("  partitions: 12", "  partitions: 12\n  partitons: 3", "KafkaTopic"),
        ("      - name: tls\n", "      - name: tls\n        tls_enabled: true\n", "Kafka"),
        ("  instances: 3\n", "  instances: three\n", "Cluster"),
        (
            "spec:\n  authentication:\n    type: scram-sha-512",
            "spec:\n  authentication:\n    type: scram-sha-1",
            "KafkaUser",
        ),
    ],
    ids=["unknown-field", "crd-typo", "listener-field", "wrong-type", "bad-enum"],
)
def test_a_broken_resource_is_rejected(
    default_chart: Rendered, old: str, new: str, kind: str
) -> None:
    assert old in default_chart.manifest
    result = check.validate(ROOT, default_chart.manifest.replace(old, new, 1))
    assert [p for p in result.problems if p.startswith(f"{kind} ")], result.problems


@pytest.mark.parametrize(
    "override",
    [
        {"podSecurity.runAsUser": "0"},
        {"regency": "Karawang"},
        {"services.intake.resources": "null"},
        {"kafka.topics.piiRetentionMs": "-1"},
        {"surprise": "1"},
    ],
    ids=["root-user", "bad-regency", "no-resources", "pii-kept-forever", "unknown-key"],
)
def test_values_outside_the_schema_are_refused(override: dict[str, str]) -> None:
    with pytest.raises(StackError, match="values don't meet the specifications"):
        check.render(CHART, overrides=override)


def test_kube_score_finds_nothing_to_fix_in_the_workloads(chart: Rendered) -> None:
    assert check.score(chart.manifest) == []


def test_kube_score_flags_a_deployment_without_limits(default_chart: Rendered) -> None:
    stripped = default_chart.manifest.replace(
        '            limits:\n              cpu: "1"\n', "            limits:\n", 1
    )
    assert stripped != default_chart.manifest
    assert any("CPU limit" in f for f in check.score(stripped))
