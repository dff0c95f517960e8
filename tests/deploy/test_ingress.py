"""The ingress routes the public paths of each service, and none of its operations endpoints."""

from __future__ import annotations

import importlib
import re
from pathlib import Path
from typing import Any

import pytest

from slrt_devstack.chart import check
from slrt_devstack.errors import StackError

from .conftest import CHART, PRODUCTION, Rendered

pytestmark = pytest.mark.integration

HOSTS = {
    "lapor.slrt.kendalkab.go.id": "intake",
    "api.slrt.kendalkab.go.id": "agency-gateway",
    "slrt.kendalkab.go.id": "monitoring",
}
MODULES = {"intake": "intake", "agency-gateway": "gateway", "monitoring": "monitoring"}
INTERNAL = ["/metrics", "/docs", "/docs/oauth2-redirect", "/redoc", "/healthz", "/readyz"]
PUBLIC = {
    "intake": [
        "/v1/complaints",
        "/v1/complaints/batch",
        "/v1/complaints/0b6c3a1e-8e4f-4a4e-9d6c-2f1b7a0e5c11",
        "/v1/track/SLRT-K7M2-9QXA",
        "/open311/v2/discovery.json",
        "/open311/v2/services.json",
        "/open311/v2/services/BPJS.json",
        "/open311/v2/requests.json",
        "/open311/v2/requests/SLRT-K7M2-9QXA.xml",
        "/v1/subjects/export",
        "/v1/subjects/erase",
        "/app/",
        "/app/sw.js",
        "/v1/desk/check",
        "/v1/desk/reference",
        "/v1/track/SLRT-K7M2-9QXA/qr.svg",
        "/v1/graduations",
        "/v1/graduations/kinds",
        "/v1/graduations/progress",
        "/v1/data-proposals",
    ],
    "agency-gateway": [
        "/v1/referrals",
        "/v1/referrals/5d1f0f4e-2b1a-4c3e-8f6a-9e2d7c4b1a00/acknowledge",
        "/v1/referrals/5d1f0f4e-2b1a-4c3e-8f6a-9e2d7c4b1a00/timeline",
        "/v1/referrals.csv",
        "/v1/me",
        "/desk/",
        "/desk/desk.js",
        "/v1/webhook",
        "/v1/webhook/deliveries/17/retry",
        "/v1/directory",
        "/openapi.json",
    ],
    "monitoring": [
        "/",
        "/puskesos/32.15.02.2001",
        "/v1/rankings",
        "/v1/rankings.csv",
        "/v1/rankings/stream",
        "/v1/puskesos/32.15.02.2001",
        "/peta",
        "/buletin",
        "/buletin.pdf",
        "/cara-membaca",
        "/v1/map",
        "/v1/underperformers",
        "/v1/programmes",
    ],
}
# Reached from inside the cluster only: the admin's audit log of personal-data reads, and the
# API documents of the services agencies do not integrate with.
NOT_ROUTED = {
    "intake": ["/openapi.json", "/v1/admin/facilitators", "/v1/admin/programme-targets"],
    "agency-gateway": [
        "/v1/audit",
        "/v1/admin/subjects/export",
        "/v1/admin/staff",
        "/v1/admin/staff/x1.json",
    ],
    "monitoring": ["/openapi.json"],
}


def matches(rule: dict[str, Any], path: str) -> bool:
    """Whether an Ingress path rule takes a request path, as Kubernetes defines the path types."""
    if rule["pathType"] == "Exact":
        return bool(path == rule["path"])
    prefix = rule["path"].rstrip("/")
    return prefix == "" or path == prefix or path.startswith(prefix + "/")


def routed(chart: Rendered) -> dict[str, list[tuple[dict[str, Any], str]]]:
    """Each host's path rules with the service they go to."""
    (ingress,) = chart.kind("Ingress")
    return {
        rule["host"]: [(p, p["backend"]["service"]["name"]) for p in rule["http"]["paths"]]
        for rule in ingress["spec"]["rules"]
    }


def backend_of(chart: Rendered, host: str, path: str) -> list[str]:
    """The services a request to a host and path reaches through the ingress."""
    return [service for rule, service in routed(chart)[host] if matches(rule, path)]


def api_paths(service: str) -> list[str]:
    """Every path a service's app serves, with a sample value for each path parameter."""
    app = importlib.import_module(f"{MODULES[service]}.app")
    _, http_app = app.build()
    # the API's own routes are in its document; the documents and Swagger UI only in its routes
    documented = list(http_app.openapi()["paths"])
    paths = documented + [getattr(route, "path", "") for route in http_app.routes]
    return sorted({re.sub(r"\{[^}]+\}", "x1.json", p) for p in paths if p})


def test_the_hosts_are_the_production_ones(production_chart: Rendered) -> None:
    assert set(routed(production_chart)) == set(HOSTS)


@pytest.mark.parametrize("host", sorted(HOSTS))
def test_no_operations_endpoint_is_routed_from_outside(
    production_chart: Rendered, host: str
) -> None:
    for path in INTERNAL + NOT_ROUTED[HOSTS[host]]:
        assert backend_of(production_chart, host, path) == [], f"{host}{path} is routed"


@pytest.mark.parametrize("host", sorted(HOSTS))
def test_each_public_path_reaches_its_own_service(production_chart: Rendered, host: str) -> None:
    service = HOSTS[host]
    for path in PUBLIC[service]:
        assert backend_of(production_chart, host, path) == [f"slrt-{service}"], f"{host}{path}"


@pytest.mark.parametrize("host", sorted(HOSTS))
def test_every_path_a_service_serves_is_either_public_or_internal(
    production_chart: Rendered, host: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A route added to a service must be placed on one side: routed, or named as internal here.
    service = HOSTS[host]
    prefix = MODULES[service].upper()
    monkeypatch.setenv(f"{prefix}_DATABASE_URL", "postgresql://nobody@127.0.0.1:1/none")
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:1")
    internal = set(INTERNAL + NOT_ROUTED[service])
    for path in api_paths(service):
        reached = backend_of(production_chart, host, path)
        if path in internal:
            assert reached == [], f"{host}{path} is routed"
        else:
            assert reached == [f"slrt-{service}"], f"{host}{path} is not routed"


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ("{path: /, pathType: Prefix}", 'a Prefix "/" routes every path'),
        ("{path: /metrics, pathType: Exact}", "/metrics is served inside the cluster only"),
        ("{path: /docs, pathType: Prefix}", "/docs is served inside the cluster only"),
        ("{path: /readyz, pathType: Exact}", "/readyz is served inside the cluster only"),
    ],
    ids=["prefix-root", "metrics", "docs", "readyz"],
)
def test_the_chart_refuses_to_route_an_operations_endpoint(
    tmp_path: Path, rule: str, message: str
) -> None:
    values = tmp_path / "values.yaml"
    values.write_text(f"ingress:\n  paths:\n    monitoring:\n      - {rule}\n")
    with pytest.raises(StackError, match=re.escape(message)):
        check.render(CHART, [PRODUCTION, values])


def test_a_path_type_the_controller_interprets_is_refused(tmp_path: Path) -> None:
    values = tmp_path / "values.yaml"
    values.write_text(
        "ingress:\n  paths:\n    intake:\n"
        "      - {path: /v1/track, pathType: ImplementationSpecific}\n"
    )
    with pytest.raises(StackError, match="values don't meet the specifications"):
        check.render(CHART, [PRODUCTION, values])


def test_prometheus_still_scrapes_metrics_inside_the_cluster(production_chart: Rendered) -> None:
    (monitor,) = production_chart.kind("ServiceMonitor")
    assert monitor["spec"]["endpoints"][0]["port"] == "http"
    assert monitor["spec"]["endpoints"][0]["path"] == "/metrics"
    policy = production_chart.one("NetworkPolicy", "slrt-metrics-ingress")
    (rule,) = policy["spec"]["ingress"]
    ports = {p["port"] for p in rule["ports"]}
    # a policy admits pod ports: each container's http port, where /metrics is served
    served = {
        d["metadata"]["name"]: next(
            p["containerPort"]
            for p in d["spec"]["template"]["spec"]["containers"][0]["ports"]
            if p["name"] == "http"
        )
        for d in production_chart.kind("Deployment")
    }
    assert len(served) == 4 and set(served.values()) <= ports
