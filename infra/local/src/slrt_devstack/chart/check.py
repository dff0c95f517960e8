"""Render the chart and check it: helm lint, then kubeconform against every schema, strictly."""

from __future__ import annotations

import json
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from slrt_devstack.chart import crds, schemas
from slrt_devstack.chart.tools import cache_dir, go_tool, run

KUBE_VERSION = "1.31"

# kube-score checks left out, and why.
KUBE_SCORE_IGNORED = {
    # Images are pinned to immutable version tags; IfNotPresent avoids a registry round trip
    # on every restart in districts with poor connectivity.
    "container-image-pull-policy": "immutable version tags",
}


@dataclass
class Validation:
    """kubeconform's verdict on a rendered manifest."""

    resources: list[dict[str, Any]] = field(default_factory=list)

    @property
    def problems(self) -> list[str]:
        """Every resource that is not valid, with the reason."""
        return [
            f"{r.get('kind')} {r.get('name')}: {r.get('status')} {r.get('msg', '')}".strip()
            for r in self.resources
            if r.get("status") != "statusValid"
        ]


def chart_dir(root: Path) -> Path:
    """The chart in the repository."""
    return root / "infra" / "helm" / "slrt"


def _values_args(values: list[Path], overrides: dict[str, str] | None) -> list[str]:
    args = [arg for v in values for arg in ("--values", str(v))]
    for key, value in (overrides or {}).items():
        args += ["--set", f"{key}={value}"]
    return args


def lint(chart: Path, values: list[Path] | None = None) -> str:
    """Run `helm lint --strict`; raise with its output when it fails."""
    helm = go_tool("helm")
    return run(
        [
            str(helm),
            "lint",
            "--strict",
            "--kube-version",
            f"{KUBE_VERSION}.0",
            str(chart),
            *_values_args(values or [], None),
        ]
    )


def render(
    chart: Path,
    values: list[Path] | None = None,
    overrides: dict[str, str] | None = None,
    release: str = "slrt",
) -> str:
    """The manifest `helm template` renders (hooks included)."""
    helm = go_tool("helm")
    return run(
        [
            str(helm),
            "template",
            release,
            str(chart),
            "--namespace",
            "slrt",
            "--kube-version",
            f"{KUBE_VERSION}.0",
            *_values_args(values or [], overrides),
        ]
    )


def documents(manifest: str) -> list[dict[str, Any]]:
    """The resources of a rendered manifest."""
    return [d for d in yaml.safe_load_all(manifest) if d]


def schema_dir(root: Path, manifest: str) -> Path:
    """Write the schemas the manifest needs (Kubernetes kinds and CRDs) and return their folder."""
    out = cache_dir() / "schemas" / f"k8s-{KUBE_VERSION}"
    kinds = {(d["kind"], d["apiVersion"]) for d in documents(manifest)}
    schemas.write_core(kinds, KUBE_VERSION, out / "core")
    marker = out / "crds" / ".complete"
    if not marker.exists():
        files = crds.strimzi_crds(root / "infra" / "local" / "strimzi" / "pom.xml")
        schemas.write_crds(crds.load(files + crds.go_module_crds()), out / "crds")
        marker.write_text("ok\n")
    return out


def validate(root: Path, manifest: str) -> Validation:
    """Validate every resource with kubeconform -strict; a kind without a schema is an error."""
    out = schema_dir(root, manifest)
    kubeconform = go_tool("kubeconform")
    with tempfile.NamedTemporaryFile("w", suffix=".yaml") as file:
        file.write(manifest)
        file.flush()
        command = [
            str(kubeconform),
            "-strict",
            "-output",
            "json",
            "-verbose",
            "-kubernetes-version",
            f"{KUBE_VERSION}.0",
        ]
        for location in schemas.locations(out):
            command += ["-schema-location", location]
        result = subprocess.run([*command, file.name], capture_output=True, text=True, check=False)
    report = json.loads(result.stdout or "{}")
    return Validation(resources=report.get("resources", []))


def score(manifest: str) -> list[str]:
    """Findings of kube-score (reliability and security of workloads), one line each."""
    kube_score = go_tool("kube-score")
    with tempfile.NamedTemporaryFile("w", suffix=".yaml") as file:
        file.write(manifest)
        file.flush()
        command = [str(kube_score), "score", "--output-format", "ci"]
        for test in KUBE_SCORE_IGNORED:
            command += ["--ignore-test", test]
        result = subprocess.run([*command, file.name], capture_output=True, text=True, check=False)
    return [
        line for line in result.stdout.splitlines() if line.startswith(("[CRITICAL]", "[WARNING]"))
    ]
