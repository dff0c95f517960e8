"""`python -m referral serve|migrate|outbox|dlq|seed|holidays`."""

from referral.app import build
from referral.entrypoints import cli, cli_seed
from slrt_shared.runtime import run_cli


def main() -> None:
    """Run a referral command."""
    run_cli(build, extra={"seed": cli_seed.main, "holidays": cli.main})


if __name__ == "__main__":
    main()
