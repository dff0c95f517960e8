"""Where the local stack keeps its state."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


def repo_root() -> Path:
    """The repository: SLRT_ROOT if set, else found from this package's location."""
    if "SLRT_ROOT" in os.environ:
        return Path(os.environ["SLRT_ROOT"]).resolve()
    return Path(__file__).resolve().parents[4]


@dataclass(frozen=True)
class StackPaths:
    """Folders under `<repo>/.local/`."""

    root: Path

    @property
    def local(self) -> Path:
        """All generated state."""
        return self.root / ".local"

    @property
    def logs(self) -> Path:
        """One log file per process."""
        return self.local / "logs"

    @property
    def run(self) -> Path:
        """One pid file per process."""
        return self.local / "run"

    @property
    def kafka(self) -> Path:
        """Kafka's jars, config and data."""
        return self.local / "kafka"

    @property
    def postgres(self) -> Path:
        """Postgres's password, and its cluster or a link to it (see `postgres.cluster_dir`)."""
        return self.local / "postgres"

    @property
    def tools(self) -> Path:
        """Command-line tools the Makefile installs (uv)."""
        return self.local / "tools"

    @property
    def infra_sources(self) -> Path:
        """The committed pom and logging config."""
        return self.root / "infra" / "local"
