"""`python -m referral serve|migrate|seed`."""

from referral import seed
from referral.app import build
from slrt_shared.runtime import run_cli, run_seed


def seed_command(argv: list[str]) -> None:
    """`seed --credentials FILE --regency CODE`: routing rules and staff tokens."""
    run_seed(build()[0], argv, seed.load)


def main() -> None:
    """Run a referral command."""
    run_cli(build, extra={"seed": seed_command})


if __name__ == "__main__":
    main()
