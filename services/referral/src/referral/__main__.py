"""`python -m referral serve|migrate|outbox|dlq|seed|holidays|staff`."""

from referral.app import build
from referral.entrypoints import cli, cli_seed, cli_staff
from slrt_shared.runtime import run_cli


def main() -> None:
    """Run a referral command."""
    run_cli(build, extra={"seed": cli_seed.main, "holidays": cli.main, "staff": cli_staff.main})


if __name__ == "__main__":
    main()
