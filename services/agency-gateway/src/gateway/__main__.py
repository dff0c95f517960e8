"""`python -m gateway serve|migrate|outbox|dlq|seed|keys|agencies|subjects`."""

from gateway import seed
from gateway.app import build
from gateway.entrypoints import cli_agencies, cli_subjects
from slrt_shared.runtime import run_cli, run_seed


def main() -> None:
    """Run an agency-gateway command."""
    run_cli(
        build,
        extra={
            "seed": lambda argv: run_seed(build()[0], argv, seed.load),
            "keys": lambda argv: cli_agencies.main(["keys", *argv]),
            "agencies": lambda argv: cli_agencies.main(["agencies", *argv]),
            "subjects": cli_subjects.main,
        },
    )


if __name__ == "__main__":
    main()
