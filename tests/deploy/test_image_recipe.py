"""The image recipe's build stage, replayed without Docker: the lock resolves, the service runs.

Each COPY and RUN of the build stage is carried out in a scratch folder standing for /app, with
the same environment, so a missing manifest, a package name that is not in the lock, or a
dependency left out of the image fails here rather than at `docker build`.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest

from slrt_devstack import services, toolchain

from .conftest import ROOT

pytestmark = pytest.mark.integration

DOCKERFILE = ROOT / "infra" / "docker" / "service.Dockerfile"


def build_stage() -> list[str]:
    """The build stage's instructions, continuation lines joined."""
    text = DOCKERFILE.read_text().replace("\\\n", " ")
    stage = re.split(r"^FROM ", text, flags=re.MULTILINE)[1]
    return [line.strip() for line in stage.splitlines()[1:] if line.strip()]


def replay(service: str, app: Path) -> None:
    """Carry out the build stage for one service in `app`, with the uv the Makefile runs."""
    env = {**os.environ, "SERVICE": service, "UV_PROJECT_ENVIRONMENT": str(app / ".venv")}
    env.pop("VIRTUAL_ENV", None)
    # The image installs uv with pip onto its PATH; here it is the Makefile's, wherever that is.
    env["PATH"] = os.pathsep.join([str(toolchain.uv(ROOT).parent), env.get("PATH", "")])
    for instruction in build_stage():
        op, _, rest = instruction.partition(" ")
        rest = rest.replace("${SERVICE}", service)
        if op == "ENV":
            env.update(dict(pair.split("=", 1) for pair in shlex.split(rest)))
            env["UV_LINK_MODE"] = "hardlink"  # copies only matter inside an image layer
        elif op == "COPY":
            *sources, target = shlex.split(rest)
            for source in sources:
                if (ROOT / source).is_dir():
                    shutil.copytree(ROOT / source, app / target, dirs_exist_ok=True)
                else:
                    folder = app / target
                    folder.mkdir(parents=True, exist_ok=True)
                    shutil.copy(ROOT / source, folder / Path(source).name)
        elif op == "RUN":
            command = re.sub(r"--mount=\S+\s*", "", rest)
            if command.startswith("pip install"):
                continue  # uv is already here
            subprocess.run(
                ["sh", "-c", command],
                cwd=app,
                env=env,
                check=True,
                capture_output=True,
                timeout=600,
            )


@pytest.mark.parametrize("spec", services.SERVICES, ids=[s.name for s in services.SERVICES])
def test_the_build_stage_installs_the_service_from_the_lock_without_dev_tools(
    spec: services.ServiceSpec, tmp_path: Path
) -> None:
    app = tmp_path / "app"
    app.mkdir()
    replay(spec.name, app)
    python = app / ".venv" / "bin" / "python"
    result = subprocess.run(
        [str(python), "-m", spec.package, "no-such-command"],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
        env={"PATH": os.environ["PATH"], f"{spec.env_prefix}_DATABASE_URL": "postgresql://x@y/z"},
    )
    assert "expected one of serve, migrate" in result.stdout + result.stderr, result.stderr
    probe = subprocess.run(
        [str(python), "-c", "import importlib.util as u; print(bool(u.find_spec('pytest')))"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert probe.stdout.strip() == "False"
    assert not (app / "services" / spec.name / "tests").exists()


def test_the_build_stage_replays_with_the_makefiles_uv_when_none_is_on_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A fresh machine: uv is wherever the Makefile installed it, named by the UV it exports.
    monkeypatch.setenv("UV", str(toolchain.uv(ROOT)))
    bare = [d for d in os.environ["PATH"].split(os.pathsep) if d and not Path(d, "uv").exists()]
    monkeypatch.setenv("PATH", os.pathsep.join(bare))
    assert shutil.which("uv") is None
    app = tmp_path / "app"
    app.mkdir()
    replay("intake", app)
    assert (app / ".venv" / "bin" / "python").exists()
