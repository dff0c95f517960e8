"""`python -m referral serve|migrate|seed`."""

from referral import seed
from referral.app import build
from slrt_shared.runtime import run_cli, run_seed


def main() -> None:
    """Run a referral command."""
    run_cli(build, extra={"seed": lambda argv: run_seed(build()[0], argv, seed.load)})


if __name__ == "__main__":
    main()
