"""Command-line tools found where the Makefile and .ci/run put them, not by chance on PATH."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

from slrt_devstack.errors import StackError
from slrt_devstack.paths import StackPaths, repo_root

# Where Go's own release archive installs (as on the development machines), often not on PATH.
GO_HOME_BIN = Path("/usr/local/go/bin")


def uv_version(root: Path | None = None) -> str:
    """The uv version the images are built with (the Dockerfile's UV_VERSION)."""
    dockerfile = (root or repo_root()) / "infra" / "docker" / "service.Dockerfile"
    found = re.search(r"^ARG UV_VERSION=(\S+)$", dockerfile.read_text(), flags=re.MULTILINE)
    if found is None:
        raise StackError(f"{dockerfile} pins no UV_VERSION")
    return found.group(1)


def uv(root: Path | None = None) -> Path:
    """uv as the Makefile runs it: UV (the Makefile exports it), else the one it installs."""
    if "UV" in os.environ:
        named = os.environ["UV"]
        found = shutil.which(named) if os.sep not in named else named
        if found is None or not Path(found).exists():
            raise StackError(f"UV={named} names no program")
        return Path(found)
    root = root or repo_root()
    installed = StackPaths(root).tools / f"uv-{uv_version(root)}" / "bin" / "uv"
    if installed.exists():
        return installed
    raise StackError(f"uv is not at {installed}: run `make tools` (or set UV)")


def go() -> Path:
    """The Go toolchain: GO, else `go` on PATH, else Go's own install location."""
    named = os.environ.get("GO") or shutil.which("go") or shutil.which("go", path=str(GO_HOME_BIN))
    if named is None:
        raise StackError(f"`go` is neither on PATH nor in {GO_HOME_BIN}: install Go")
    return Path(named)
