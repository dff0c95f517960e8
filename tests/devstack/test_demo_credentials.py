"""The demo credentials belong to the local stack, and the docker demo still writes them."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import yaml

import slrt_shared
from slrt_devstack import credentials

ROOT = Path(__file__).resolve().parents[2]


def test_the_shared_library_ships_no_demo_credentials() -> None:
    assert not (Path(slrt_shared.__file__).parent / "demo_credentials.py").exists()


def test_the_generator_needs_nothing_a_service_image_lacks() -> None:
    # The docker demo runs it from a mounted folder inside the intake image, which has the
    # standard library and slrt_shared but none of the local stack's own modules or packages.
    tree = ast.parse(Path(credentials.__file__).read_text())
    imported = {
        (node.module or "") if isinstance(node, ast.ImportFrom) else alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    }
    foreign = {
        name
        for name in imported
        if name.split(".")[0] not in sys.stdlib_module_names and name.split(".")[0] != "slrt_shared"
    }
    assert not foreign - {"__future__"}


def test_compose_runs_the_generator_from_the_mounted_local_stack() -> None:
    service = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]["credentials"]
    entrypoint = service["entrypoint"]
    assert entrypoint[:3] == ["python", "-m", "slrt_devstack.credentials"]
    mount = next(v for v in service["volumes"] if v.startswith("./infra/local/src:"))
    assert mount.split(":")[1] == service["environment"]["PYTHONPATH"]


def test_the_command_writes_the_file_once_and_keeps_it(tmp_path: Path) -> None:
    out = tmp_path / "credentials.json"
    command = [sys.executable, "-m", "slrt_devstack.credentials", "--regency", "32.15"]
    subprocess.run([*command, "--out", str(out)], check=True, capture_output=True, timeout=60)
    first = json.loads(out.read_text())
    subprocess.run([*command, "--out", str(out)], check=True, capture_output=True, timeout=60)
    assert json.loads(out.read_text()) == first
    assert first["operators"] and first["agencies"] and first["admin"].startswith("adm_")
