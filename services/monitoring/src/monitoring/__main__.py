"""`python -m monitoring serve|migrate|seed`."""

from monitoring import rebuild, seed
from monitoring.app import build
from slrt_shared.runtime import run_cli, run_seed


def main() -> None:
    """Run a monitoring command."""
    run_cli(
        build,
        extra={
            "seed": lambda argv: run_seed(build()[0], argv, seed.load),
            "rebuild": rebuild.main,
        },
    )


if __name__ == "__main__":
    main()
