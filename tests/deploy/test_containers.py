"""The image recipe, docker-compose.yml and the chart agree with the local stack."""

from __future__ import annotations

import glob
import re
import tomllib

import yaml

from slrt_devstack import services
from slrt_shared import reference
from slrt_shared.contracts.topics import TopicLayout

from .conftest import CHART, ROOT

DOCKERFILE = ROOT / "infra" / "docker" / "service.Dockerfile"


def stages(text: str) -> list[str]:
    return re.split(r"^FROM ", text, flags=re.MULTILINE)[1:]


def test_the_image_is_multi_stage_non_root_locked_and_health_checked() -> None:
    text = DOCKERFILE.read_text()
    build, runtime = stages(text)
    assert "UV_FROZEN=1" in build and "--no-dev" in build
    assert re.search(r"^USER 10001:10001$", runtime, flags=re.MULTILINE)
    assert "HEALTHCHECK" in runtime and "/healthz" in runtime
    assert "uv" not in runtime.replace("--chown", "")  # no build tool in the final image


def test_the_image_copies_every_workspace_member_manifest_so_the_lock_resolves() -> None:
    workspace = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["uv"]["workspace"]
    members = {
        str(path.relative_to(ROOT))
        for pattern in workspace["members"]
        for path in map(lambda p: ROOT / p, glob.glob(pattern, root_dir=ROOT))
        if (path / "pyproject.toml").exists()
    }
    copied = set(re.findall(r"^COPY (\S+)/pyproject.toml", DOCKERFILE.read_text(), re.MULTILINE))
    assert copied == members


def test_compose_runs_each_service_like_the_local_stack() -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    for spec in services.SERVICES:
        service = compose[spec.name]
        args = service["build"]["args"]
        assert args == {"SERVICE": spec.name, "MODULE": spec.package, "PORT": str(spec.port)}
        env = service["environment"]
        assert env[f"{spec.env_prefix}_HTTP_PORT"] == str(spec.port)
        assert env[f"{spec.env_prefix}_DATABASE_URL"].startswith(f"postgresql://{spec.schema}:")
        assert service["ports"] == [f"{spec.port}:{spec.port}"]
        assert service["command"] == [spec.package]


def test_compose_creates_the_same_topics_as_the_local_stack() -> None:
    lines = (ROOT / "infra" / "docker" / "topics.txt").read_text().splitlines()
    listed = [tuple(line.split()) for line in lines if line and not line.startswith("#")]
    expected = TopicLayout().all_topics(sorted(reference.agencies()))
    assert listed == [(t.name, str(t.partitions)) for t in expected]


def test_the_chart_runs_each_service_like_the_local_stack() -> None:
    values = yaml.safe_load((CHART / "values.yaml").read_text())
    for spec in services.SERVICES:
        chart_service = values["services"][spec.name]
        assert chart_service["package"] == spec.package
        assert chart_service["envPrefix"] == spec.env_prefix
        assert chart_service["port"] == spec.port
    assert sorted(values["agencies"]) == sorted(reference.agencies())
