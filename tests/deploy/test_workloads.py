"""Deployments, network policies, the database and the migrations, as the chart renders them."""

from __future__ import annotations

from typing import Any

import pytest

from .conftest import Rendered

pytestmark = pytest.mark.integration

SERVICES = {"intake": 8001, "referral": 8002, "agency-gateway": 8003, "monitoring": 8004}
PUBLIC = {"intake", "agency-gateway", "monitoring"}
ROLES = {
    "intake": "intake",
    "referral": "referral",
    "agency-gateway": "gateway",
    "monitoring": "monitoring",
}


def component(doc: dict[str, Any]) -> str:
    return str(doc["metadata"]["labels"]["app.kubernetes.io/component"])


def env_of(container: dict[str, Any]) -> dict[str, Any]:
    return {e["name"]: e.get("value", e.get("valueFrom")) for e in container["env"]}


def test_each_service_runs_non_root_read_only_with_probes_and_resources(chart: Rendered) -> None:
    deployments = {component(d): d for d in chart.kind("Deployment")}
    assert set(deployments) == set(SERVICES)
    for name, deployment in deployments.items():
        pod = deployment["spec"]["template"]["spec"]
        assert pod["securityContext"]["runAsNonRoot"] is True
        assert pod["securityContext"]["runAsUser"] >= 1000
        assert pod["securityContext"]["seccompProfile"]["type"] == "RuntimeDefault"
        assert pod["automountServiceAccountToken"] is False
        (container,) = pod["containers"]
        security = container["securityContext"]
        assert security["readOnlyRootFilesystem"] is True
        assert security["allowPrivilegeEscalation"] is False
        assert security["capabilities"]["drop"] == ["ALL"]
        assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
        assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
        for kind in ("requests", "limits"):
            assert {"cpu", "memory", "ephemeral-storage"} <= set(container["resources"][kind]), name
        assert container["ports"][0]["containerPort"] == SERVICES[name]
        assert container["image"].endswith(f"/slrt-{name}:0.1.0")


def test_each_service_connects_as_its_own_database_role_and_kafka_user(chart: Rendered) -> None:
    for deployment in chart.kind("Deployment"):
        name = component(deployment)
        env = env_of(deployment["spec"]["template"]["spec"]["containers"][0])
        dsn = next(v for k, v in env.items() if k.endswith("_DATABASE_URL"))
        assert dsn.startswith(f"postgresql://{ROLES[name]}@") and "sslmode=require" in dsn
        assert env["PGPASSWORD"]["secretKeyRef"]["name"].endswith(f"-db-{ROLES[name]}")
        assert env["KAFKA_SASL_USERNAME"] == f"slrt-{name}"
        assert env["KAFKA_SASL_PASSWORD"]["secretKeyRef"]["name"] == f"slrt-{name}"
        assert env["KAFKA_SECURITY_PROTOCOL"] == "SASL_SSL"


def test_every_deployment_has_an_autoscaler_and_a_disruption_budget(chart: Rendered) -> None:
    deployments = {d["metadata"]["name"] for d in chart.kind("Deployment")}
    scaled = {h["spec"]["scaleTargetRef"]["name"] for h in chart.kind("HorizontalPodAutoscaler")}
    assert scaled == deployments
    budgets = {component(p) for p in chart.kind("PodDisruptionBudget")}
    assert budgets == set(SERVICES)
    assert all(p["spec"]["minAvailable"] >= 1 for p in chart.kind("PodDisruptionBudget"))


def test_only_intake_gateway_and_monitoring_take_outside_traffic(chart: Rendered) -> None:
    policies = chart.kind("NetworkPolicy")
    deny = [p for p in policies if p["metadata"]["name"].endswith("-default-deny")]
    assert deny and deny[0]["spec"]["policyTypes"] == ["Ingress", "Egress"]
    assert "ingress" not in deny[0]["spec"] and "egress" not in deny[0]["spec"]
    open_to_all: set[str] = set()
    for policy in policies:
        for rule in policy["spec"].get("ingress", []):
            sources = rule.get("from")
            from_prometheus_only = (
                sources
                and all("namespaceSelector" in s for s in sources)
                and (policy["metadata"]["name"].endswith("-metrics-ingress"))
            )
            if not from_prometheus_only:
                open_to_all.add(
                    policy["spec"]["podSelector"]["matchLabels"]["app.kubernetes.io/component"]
                )
    assert open_to_all == PUBLIC


def test_egress_goes_only_to_kafka_postgres_and_dns_besides_agency_webhooks(
    chart: Rendered,
) -> None:
    destinations = []
    for policy in chart.kind("NetworkPolicy"):
        for rule in policy["spec"].get("egress", []):
            selector = policy["spec"]["podSelector"].get("matchLabels", {})
            ports = sorted(p["port"] for p in rule["ports"])
            destinations.append((selector.get("app.kubernetes.io/component", "*"), ports))
    assert ("*", [9093]) in destinations
    assert ("*", [5432]) in destinations
    assert ("*", [53, 53]) in destinations
    assert ("agency-gateway", [443]) in destinations
    assert len(destinations) == 4


def test_cloudnativepg_has_one_login_role_per_service_owning_its_schema(chart: Rendered) -> None:
    (cluster,) = chart.kind("Cluster")
    roles = {r["name"]: r for r in cluster["spec"]["managed"]["roles"]}
    assert set(roles) == set(ROLES.values())
    for role in roles.values():
        assert role["login"] is True and role["superuser"] is False
        assert role["createdb"] is False and role["createrole"] is False
        assert role["passwordSecret"]["name"].endswith(f"-db-{role['name']}")
    (database,) = chart.kind("Database")
    assert {s["name"]: s["owner"] for s in database["spec"]["schemas"]} == {
        r: r for r in ROLES.values()
    }


def test_cloudnativepg_logs_slow_statements_without_their_parameters(chart: Rendered) -> None:
    (cluster,) = chart.kind("Cluster")
    parameters = cluster["spec"]["postgresql"]["parameters"]
    # Residents' NIK and names are bound as $n parameters: the text alone holds no personal data.
    assert parameters["log_parameter_max_length"] == "0"
    assert parameters["log_parameter_max_length_on_error"] == "0"
    assert parameters.get("log_statement", "none") in {"none", "ddl"}
    # An error's DETAIL would quote the row ("Key (nik)=(...) already exists").
    assert parameters["log_error_verbosity"] == "terse"
    assert parameters["log_min_duration_statement"] == "1000"  # the slow-query log stays


def test_migrations_run_as_a_job_per_service_before_every_upgrade(chart: Rendered) -> None:
    jobs = {component(j): j for j in chart.kind("Job") if component(j) == "migrations"}
    assert jobs
    names = {j["metadata"]["name"] for j in chart.kind("Job")}
    assert names == {f"slrt-{s}-migrate" for s in SERVICES}
    for job in chart.kind("Job"):
        hooks = job["metadata"]["annotations"]["helm.sh/hook"].split(",")
        assert {"post-install", "pre-upgrade"} <= set(hooks)
        (container,) = job["spec"]["template"]["spec"]["containers"]
        assert container["args"][0] == "seed"
        assert container["securityContext"]["readOnlyRootFilesystem"] is True


def test_metrics_are_scraped_and_the_dashboard_ships(chart: Rendered) -> None:
    (monitor,) = chart.kind("ServiceMonitor")
    assert monitor["spec"]["endpoints"][0]["path"] == "/metrics"
    dashboards = [c for c in chart.kind("ConfigMap") if "slrt.json" in c.get("data", {})]
    assert dashboards and "kafka_consumergroup_lag" in dashboards[0]["data"]["slrt.json"]
    (kafka,) = chart.kind("Kafka")
    assert "kafkaExporter" in kafka["spec"]


def test_production_values_prefix_topics_and_back_up_the_database(
    production_chart: Rendered,
) -> None:
    topics = [t["spec"]["topicName"] for t in production_chart.kind("KafkaTopic")]
    assert topics and all(t.startswith("kendal.") for t in topics)
    (backup,) = production_chart.kind("ScheduledBackup")
    assert backup["spec"]["cluster"]["name"] == "slrt-pg"
    for deployment in production_chart.kind("Deployment"):
        env = env_of(deployment["spec"]["template"]["spec"]["containers"][0])
        assert env["SLRT_TOPIC_PREFIX"] == "kendal."
        assert env["OTEL_EXPORTER_OTLP_ENDPOINT"].startswith("http://otel-collector")


def test_the_chart_never_sets_the_demos_replay_clock(chart: Rendered) -> None:
    # A deployment runs on the system clock: the replay clock is for the local demo's history.
    assert "SLRT_CLOCK_REPLAY" not in chart.manifest
    for deployment in chart.kind("Deployment"):
        for container in deployment["spec"]["template"]["spec"]["containers"]:
            assert not [k for k in env_of(container) if k.startswith("SLRT_CLOCK")]
