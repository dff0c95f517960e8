"""`python -m monitoring serve|migrate|outbox|dlq|seed|rebuild`."""

from __future__ import annotations

from typing import cast

from monitoring import seed
from monitoring.app import build
from monitoring.entrypoints import cli
from monitoring.settings import MonitoringSettings
from slrt_shared.runtime import run_cli, run_seed


def seed_command(argv: list[str]) -> None:
    """`seed --credentials FILE --regency CODE`: migrate, then load the served regions."""
    runtime, _ = build()
    settings = cast(MonitoringSettings, runtime.settings)
    run_seed(runtime, argv, seed.loader(settings.regency_codes))


def main() -> None:
    """Run a monitoring command."""
    run_cli(build, extra={"seed": seed_command, "rebuild": cli.main})


if __name__ == "__main__":
    main()
