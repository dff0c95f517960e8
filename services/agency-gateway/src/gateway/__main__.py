"""`python -m gateway serve|migrate|outbox|dlq|seed|keys|agencies|staff|subjects`."""

from gateway.app import build
from gateway.entrypoints import cli_agencies, cli_seed, cli_staff, cli_subjects
from slrt_shared.runtime import run_cli


def main() -> None:
    """Run an agency-gateway command."""
    run_cli(
        build,
        extra={
            "seed": cli_seed.main,
            "keys": lambda argv: cli_agencies.main(["keys", *argv]),
            "agencies": lambda argv: cli_agencies.main(["agencies", *argv]),
            "staff": cli_staff.main,
            "subjects": cli_subjects.main,
        },
    )


if __name__ == "__main__":
    main()
