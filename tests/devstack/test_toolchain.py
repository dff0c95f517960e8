"""The Makefile installs the tools it runs and hands them to what it starts, whatever PATH holds."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from slrt_devstack import toolchain

ROOT = Path(__file__).resolve().parents[2]

# Reaches PyPI, as `make install` does on a fresh machine.
pytestmark = pytest.mark.integration


def test_make_installs_the_images_uv_and_exports_it_when_none_is_on_path(tmp_path: Path) -> None:
    # make as started from a shell: no uv on PATH, outside the checkout's .venv.
    outside = {"UV", "MAKEFLAGS", "MAKELEVEL", "VIRTUAL_ENV"}
    env = {k: v for k, v in os.environ.items() if k not in outside}
    venv = str(ROOT / ".venv")
    env["PATH"] = os.pathsep.join(
        d
        for d in env["PATH"].split(os.pathsep)
        if d and not Path(d, "uv").exists() and not d.startswith(venv)
    )
    home = tmp_path / "uv"
    # A target needing $(UV), as `install` does; its recipe's shell sees only what make exports.
    probe = 'probe: $$(UV) ; @echo "$$UV"; "$$UV" --version'
    make = ["make", "-s", "--no-print-directory", "-C", str(ROOT), f"UV_HOME={home}"]
    result = subprocess.run(
        [*make, "--eval", ".SECONDEXPANSION:", "--eval", probe, "probe"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    exported, version = result.stdout.strip().splitlines()[-2:]
    assert exported == str(home / "bin" / "uv")
    assert version.split()[:2] == ["uv", toolchain.uv_version(ROOT)]
