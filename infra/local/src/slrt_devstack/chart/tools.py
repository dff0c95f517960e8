"""helm and kubeconform, built with `go install` from the Go module proxy and kept in a cache."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from slrt_devstack import toolchain
from slrt_devstack.errors import StackError

GO_TOOLS = {
    "helm": ("helm.sh/helm/v3/cmd/helm", "v3.19.0"),
    "kubeconform": ("github.com/yannh/kubeconform/cmd/kubeconform", "v0.7.0"),
    "kube-score": ("github.com/zegl/kube-score/cmd/kube-score", "v1.20.0"),
}


def cache_dir() -> Path:
    """Where built tools, CRDs and schemas are kept between runs (SLRT_TOOLS_DIR)."""
    default = Path.home() / ".cache" / "slrt-tools"
    path = Path(os.environ.get("SLRT_TOOLS_DIR", default))
    path.mkdir(parents=True, exist_ok=True)
    return path


def run(
    command: list[str],
    *,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
    timeout: float = 900,
) -> str:
    """Run a command; raise StackError with its output when it fails."""
    result = subprocess.run(
        command, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    if result.returncode != 0:
        raise StackError(f"{' '.join(command[:3])} failed:\n{result.stdout}{result.stderr}")
    return result.stdout


def go_tool(name: str) -> Path:
    """Path of a pinned Go tool, building it with `go install` the first time."""
    module, version = GO_TOOLS[name]
    target = cache_dir() / "bin" / f"{name}-{version}"
    if target.exists():
        return target
    go = toolchain.go()
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as gobin:
        run([str(go), "install", f"{module}@{version}"], env={**os.environ, "GOBIN": gobin})
        shutil.move(str(Path(gobin) / name), target)
    return target
