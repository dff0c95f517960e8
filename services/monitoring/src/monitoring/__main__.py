"""`python -m monitoring serve|migrate|outbox|dlq|seed|rebuild`."""

from __future__ import annotations

from monitoring.app import build
from monitoring.entrypoints import cli, cli_seed
from slrt_shared.runtime import run_cli


def main() -> None:
    """Run a monitoring command."""
    run_cli(build, extra={"seed": cli_seed.main, "rebuild": cli.main})


if __name__ == "__main__":
    main()
