"""`python -m gateway serve|migrate|outbox|dlq|seed|keys|agencies|subjects`."""

from functools import partial

from gateway import seed
from gateway.app import build
from gateway.entrypoints import cli_agencies, cli_subjects
from slrt_shared.runtime import run_cli, run_seed


def seed_command(argv: list[str]) -> None:
    """`seed`: what it registers is announced on the topics of the service's layout."""
    runtime = build()[0]
    run_seed(runtime, argv, partial(seed.load, layout=runtime.layout))


def main() -> None:
    """Run an agency-gateway command."""
    run_cli(
        build,
        extra={
            "seed": lambda argv: seed_command(argv),
            "keys": lambda argv: cli_agencies.main(["keys", *argv]),
            "agencies": lambda argv: cli_agencies.main(["agencies", *argv]),
            "subjects": cli_subjects.main,
        },
    )


if __name__ == "__main__":
    main()
